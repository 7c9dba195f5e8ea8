import { apiDownload } from '../../api.ts';

/**
 * Downloads an export's package (GET …/package with the console token) and
 * hands it to the browser as a file under the server's name. Each download
 * is recorded in the ledger (evidence.export.downloaded).
 */
export async function downloadPackage(id: string): Promise<string> {
  const { blob, filename } = await apiDownload(`/api/v1/evidence/exports/${encodeURIComponent(id)}/package`);
  const name = filename ?? `keyledger-evidence-${id}.zip`;
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // Give the browser a moment to start the download before the URL goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return name;
}
