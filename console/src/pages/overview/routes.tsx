import type { RouteDef } from '../../route-def.ts';
import { Page } from '../../components/page.tsx';

function Overview() {
  return (
    <Page title="Overview">
      <p>Controls health per SOC 2 criterion.</p>
    </Page>
  );
}

/** The overview page. */
export const routes: RouteDef[] = [{ path: '/', title: 'Overview', component: Overview, nav: { section: 'Overview', label: 'Overview' } }];
