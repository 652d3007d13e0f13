// SPDX-License-Identifier: Apache-2.0
// The one place that talks to /api/v1.  Every change carries the CSRF token,
// and every request the console's language, so server messages match it.
import { currentLang } from './i18n.js';

let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function setCsrf(token) { csrf = token; }

export async function api(method, path, body) {
  const opts = { method, headers: { 'Accept-Language': currentLang() === 'en' ? 'en' : 'zh-CN' }, credentials: 'same-origin' };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf ?? '';
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(`/api/v1${path}`, opts);
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
