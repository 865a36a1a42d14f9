// The sign-in page: POST /api/v1/session with the token; on 204 the node has
// set an HttpOnly session cookie and the dashboard opens. Errors are shown next
// to the field and announced (role=alert, aria-live).
(() => {
  'use strict';
  const form = document.getElementById('signin');
  const input = document.getElementById('token');
  const error = document.getElementById('token-error');
  const submit = document.getElementById('submit');

  function showError(message) {
    error.textContent = message;
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    if (message) input.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showError('Enter your token.');
      return;
    }
    showError('');
    submit.disabled = true;
    try {
      const response = await fetch('/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/problem+json' },
        body: JSON.stringify({ token }),
        cache: 'no-store',
      });
      if (response.status === 204) {
        window.location.assign('/');
        return;
      }
      if (response.status === 401) {
        showError('This token is not valid: it is unknown or was revoked.');
      } else if (response.status === 429) {
        showError('Too many attempts. Wait ' + (response.headers.get('Retry-After') || 'a few') + ' seconds.');
      } else {
        let detail = 'HTTP ' + response.status;
        try {
          detail = (await response.json()).detail || detail;
        } catch {
          // not a problem document: keep the status
        }
        showError('The node refused the sign-in: ' + detail);
      }
    } catch {
      showError('The node is not answering. Try again.');
    } finally {
      submit.disabled = false;
    }
  });
})();
