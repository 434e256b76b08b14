// Renders a page: the navigation (navLinks hook), the page's template, then the layout.
import type { ForgeContext, ForgeHooks, NavLink } from '../../plugins/index.js';
import { takeFlash } from './session.js';
import type { TemplateStore } from './templates.js';

export interface SiteInfo {
  instanceName: string;
  coreVersion: string;
}

const CORE_LINKS: readonly NavLink[] = [
  { id: 'home', label: 'Home', href: '/' },
  { id: 'projects', label: 'Projects', href: '/projects' },
  { id: 'groups', label: 'Groups', href: '/groups' },
];

export class PageRenderer {
  constructor(
    private readonly templates: TemplateStore,
    private readonly hooks: ForgeHooks,
    private readonly site: SiteInfo,
  ) {}

  async render(ctx: ForgeContext, name: string, data: Record<string, unknown> = {}): Promise<void> {
    const viewer = ctx.state.user;
    const nav = await this.hooks.navLinks.promise(
      CORE_LINKS.map((link) => ({ ...link })),
      { viewer, path: ctx.path },
    );
    const common = {
      site: this.site,
      viewer: viewer && { name: viewer.name, fullname: viewer.fullname },
      csrfToken: ctx.state.csrfToken,
      nav: nav.map((link) => ({ ...link, current: link.href === ctx.path })),
      path: ctx.path,
      requestId: ctx.state.requestId,
      flash: takeFlash(ctx),
    };
    const page = { ...common, ...data };
    const body = this.templates.render(name, page);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = this.templates.render('layout', { ...page, body });
  }
}
