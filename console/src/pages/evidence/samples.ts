/**
 * Sample sizes as the CLI's --sample takes them: `CC6.5/leavers=8, CC6.2/new-users=5`.
 * Returns the map, or a message saying what is wrong (the API checks the
 * population names and the range 1…1000 again).
 */
export function parseSamples(text: string): { samples: Record<string, number> } | { error: string } {
  const samples: Record<string, number> = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const size = Number(part.slice(eq + 1).trim());
    if (eq < 1 || !Number.isInteger(size)) return { error: `“${part}” must read <criterion>/<table>=<size>, e.g. CC6.5/leavers=8` };
    samples[part.slice(0, eq).trim()] = size;
  }
  return { samples };
}
