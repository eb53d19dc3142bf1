// Renders Microsoft's Web Chat 4.18 (the official full bundle, window.WebChat) against Parley, the
// way a Web Chat customer would: get a token from the bot's GetNewToken endpoint, then
// createDirectLine({ token, domain: channelUrl }). Nothing Parley-specific runs inside Web Chat.
//
// Bot URL: the script tag's data-bot-url ("{{PARLEY_BOT_URL}}" is replaced by `parley demo`); empty
// means the page's own origin; `?bot=<url>` overrides both (manual testing).
(function () {
  'use strict';
  var script = document.currentScript;
  var status = document.getElementById('status');

  function say(text, is_error) {
    status.textContent = text;
    status.className = is_error ? 'error' : '';
  }

  function bot_url() {
    var query = new URLSearchParams(window.location.search).get('bot');
    var raw = query || (script && script.getAttribute('data-bot-url')) || '';
    if (raw === '') raw = window.location.origin;
    var url = new URL(raw); // throws on an unreplaced placeholder: reported below
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('bot URL must be http(s)');
    return url.href.replace(/\/+$/, '');
  }

  async function start() {
    var base;
    try {
      base = bot_url();
    } catch (e) {
      say('Configuration error: data-bot-url is not a valid URL.', true);
      return;
    }
    say('Getting a token from ' + base + '/api/token …');
    var response;
    try {
      response = await fetch(base + '/api/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: '{}',
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      say('Could not reach the bot web service.', true);
      return;
    }
    if (!response.ok) {
      say('The bot web service refused a token (HTTP ' + response.status + ').', true);
      return;
    }
    var grant = await response.json();
    if (!grant || typeof grant.token !== 'string' || typeof grant.channelUrl !== 'string') {
      say('The token answer is malformed.', true);
      return;
    }
    var directLine = window.WebChat.createDirectLine({ token: grant.token, domain: grant.channelUrl });
    window.WebChat.renderWebChat({ directLine: directLine, locale: 'en-US' }, document.getElementById('webchat'));
    say('Connected with Web Chat ' + (window.WebChat.version || '4.18') + ' (conversation ' + grant.conversationId + ').');
  }

  if (!window.WebChat) {
    say('webchat.js did not load.', true);
    return;
  }
  start();
})();
