import { useEffect, useState } from 'react';
import { completeSignIn, currentUser, loadConfig, signIn, signOut, stepUp, stepUpSecondsLeft, type ConsoleConfig, type SignedInUser } from './auth.ts';
import { Link, match, navigate, RouterProvider, useLocation, BASE } from './router.tsx';
import { OrgProvider, useOrg } from './org-context.tsx';
import { ROUTES } from './pages/index.ts';
import { NAV_SECTIONS } from './route-def.ts';
import { ErrorNote, Loading } from './components/states.tsx';
import { Page } from './components/page.tsx';

export function App() {
  return (
    <RouterProvider>
      <Root />
    </RouterProvider>
  );
}

function Root() {
  const { path, search } = useLocation();
  const [cfg, setCfg] = useState<ConsoleConfig | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    loadConfig().then(setCfg, setError);
  }, []);
  if (error) return <Standalone title="The console could not start"><ErrorNote error={error} /></Standalone>;
  if (!cfg) return <Standalone title="Keyledger console"><Loading /></Standalone>;
  if (path === '/callback') return <Callback search={search.toString()} />;
  const user = currentUser();
  if (!user) return <SignInNeeded cfg={cfg} />;
  return (
    <OrgProvider>
      <Shell cfg={cfg} user={user} path={path} />
    </OrgProvider>
  );
}

function Standalone({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="standalone" id="main">
      <h1>{title}</h1>
      {children}
    </main>
  );
}

function Callback({ search }: { search: string }) {
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    completeSignIn(`?${search}`).then(
      (to) => navigate(to.startsWith(BASE) ? to.slice(BASE.length) || '/' : '/', { replace: true }),
      setError,
    );
    // The code is spent once: this runs once per callback URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (!error) return <Standalone title="Signing you in"><Loading label="Finishing sign-in" /></Standalone>;
  return (
    <Standalone title="Sign-in did not complete">
      <ErrorNote error={error} />
      <button type="button" className="primary" onClick={() => void signIn('/console/')}>
        Sign in again
      </button>
    </Standalone>
  );
}

function SignInNeeded({ cfg }: { cfg: ConsoleConfig }) {
  useEffect(() => {
    if (cfg.operatorOrg.exists) void signIn();
  }, [cfg]);
  if (!cfg.operatorOrg.exists) {
    return (
      <Standalone title="The console has no administrators yet">
        <p>
          Administrators sign in to the console as members of the operator organization <code>{cfg.operatorOrg.slug}</code>, which does not exist yet. Open the one-time
          link Keyledger printed at its first start and create the first administrator, or see <code>docs/console.md</code>.
        </p>
      </Standalone>
    );
  }
  return (
    <Standalone title="Keyledger console">
      <Loading label="Taking you to sign-in" />
    </Standalone>
  );
}

function StepUpStatus({ cfg, user }: { cfg: ConsoleConfig; user: SignedInUser }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  const left = stepUpSecondsLeft(cfg, user, now);
  if (left > 0) {
    return (
      <span className="step-up on" title="A passkey was proved recently: changes are allowed">
        Changes unlocked · {Math.ceil(left / 60)} min
      </span>
    );
  }
  return (
    <button type="button" className="step-up" onClick={() => void stepUp()} title="Changes need a fresh passkey proof">
      Unlock changes
    </button>
  );
}

function OrgPicker() {
  const { org, orgs, choose, loading } = useOrg();
  if (loading) return null;
  if (orgs.length === 0) return <span className="muted">No organizations</span>;
  return (
    <label className="org-picker">
      <span>Organization</span>
      <select value={org?.id ?? ''} onChange={(e) => choose(e.target.value)}>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.slug})
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell({ cfg, user, path }: { cfg: ConsoleConfig; user: SignedInUser; path: string }) {
  const [navOpen, setNavOpen] = useState(false);
  useEffect(() => setNavOpen(false), [path]);
  let found: { route: (typeof ROUTES)[number]; params: Record<string, string> } | null = null;
  for (const route of ROUTES) {
    const params = match(route.path, path);
    if (params) {
      found = { route, params };
      break;
    }
  }
  const sections = NAV_SECTIONS.map((section) => ({
    section,
    items: ROUTES.filter((r) => r.nav?.section === section).sort((a, b) => (a.nav!.order ?? 0) - (b.nav!.order ?? 0)),
  })).filter((s) => s.items.length > 0);
  const Component = found?.route.component;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="nav-toggle" aria-expanded={navOpen} aria-controls="site-nav" onClick={() => setNavOpen((o) => !o)}>
          Menu
        </button>
        <Link to="/" className="brand">
          Keyledger
        </Link>
        <OrgPicker />
        <div className="user">
          <StepUpStatus cfg={cfg} user={user} />
          <span className="who" title={user.sub}>
            {user.email ?? user.name ?? user.sub}
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="site-nav" className={navOpen ? 'sidenav open' : 'sidenav'} aria-label="Console">
        {sections.map((s) => (
          <div key={s.section} className="nav-section">
            <p className="nav-heading">{s.section}</p>
            <ul>
              {s.items.map((r) => {
                const current = r.path === '/' ? path === '/' : path === r.path || path.startsWith(`${r.path}/`);
                return (
                  <li key={r.path}>
                    <Link to={r.path} aria-current={current ? 'page' : undefined}>
                      {r.nav!.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {Component ? (
          <Component params={found!.params} />
        ) : (
          <Page title="Page not found">
            <p>
              There is no console page at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
            </p>
          </Page>
        )}
      </main>
    </div>
  );
}
