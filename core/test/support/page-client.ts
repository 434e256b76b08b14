// A browser of sorts for page tests over plain HTTP (keeps cookies, reads form tokens, never
// follows redirects), and readers of core's page markup.
// The client is the plugin authors' test kit's PageClient.
export { PageClient as Browser, type Page } from '@pagurus/core/testing';

export function fieldError(html: string, field: string): string | undefined {
  return html.match(new RegExp(`<span class="field-error" id="${field}-error">([^<]*)</span>`))?.[1];
}

export function inputValue(html: string, field: string): string | undefined {
  return html.match(new RegExp(`<input id="${field}" name="${field}"[^>]*? value="([^"]*)"`))?.[1];
}

export function mainOf(html: string): string {
  return html.match(/<main id="main">([\s\S]*)<\/main>/)?.[1]?.trim() ?? '';
}
