// The one way pages talk to the server: the management API, signed in by the session cookie.
// Errors are thrown as ApiError carrying the server's own error text ({"error": "...", "status": n}).

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const listeners = new Set();

/** Called with every ApiError of status 401 (the session ended): the shell shows the sign-in form. */
export function onSignedOut(fn) {
  listeners.add(fn);
}

async function failure(status, text) {
  let message = text;
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') message = body.error;
  } catch (e) {
    // not JSON: keep the text
  }
  if (!message) message = 'the server answered ' + status + ' without a reason';
  const err = new ApiError(status, message);
  if (status === 401) listeners.forEach(fn => fn(err));
  return err;
}

/**
 * api('/api/v1/products') -> parsed JSON. Options: method (default GET), body (sent as JSON),
 * text + contentType (a body sent as it is, e.g. a PEM key), signal. Throws ApiError(status, server's error text) on any non-2xx answer, or with a clear
 * message when the server cannot be reached.
 */
export async function api(path, {method = 'GET', body, text, contentType, signal} = {}) {
  const init = {method, credentials: 'same-origin', headers: {'Accept': 'application/json'}, signal};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (text !== undefined) {
    init.headers['Content-Type'] = contentType;
    init.body = text;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'the server could not be reached (' + e.message + ')');
  }
  const answer = await res.text();
  if (!res.ok) throw await failure(res.status, answer);
  return answer ? JSON.parse(answer) : null;
}

/**
 * Uploads a FormData by XMLHttpRequest (fetch reports no upload progress). onProgress(sent, total)
 * is called as the body goes out. Resolves with the parsed JSON answer; rejects with ApiError.
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = e => { if (onProgress && e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
      } else {
        reject(await failure(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed: the server could not be reached or closed the connection'));
    xhr.send(form);
  });
}

/** Encodes one path segment (product names, versions, MACs). */
export const seg = s => encodeURIComponent(String(s));
