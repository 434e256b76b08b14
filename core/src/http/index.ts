// The HTTP edge: the Koa app, its routers, and the template store pages render with.
export * from './app.js';
export { API_PREFIX } from './api/router.js';
export { PAGURE_API_VERSION } from './api/version.js';
export { TemplateStore } from './web/templates.js';
export { answerClientError } from './client-errors.js';
