// The widget's user-visible strings in English and German. `strings_for(locale)` picks by the
// language subtag and falls back to English. Pure data.

export interface widget_strings {
  default_title: string;
  open_chat: string;
  close_chat: string;
  conversation_label: string;
  input_label: string;
  input_placeholder: string;
  send: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  connecting: string;
  reconnecting: string;
  unavailable: string;
  forbidden: string;
  try_again: string;
  bot_name: string;
  you: string;
  typing: (name: string) => string;
  session_renewed: string;
  action_failed: string;
  unsupported_content: string;
  warn_title: string;
  warn_card: string;
  warn_password: string;
  warn_pin: string;
  send_anyway: string;
  suggested_actions_label: string;
  new_message: (name: string, text: string) => string;
  integrity_failed: string;
  /** Handoff to a consultant (ADR 0021): waiting (place in the queue, minutes), joined, back. */
  finding_consultant: (position: number | null, minutes: number | null) => string;
  consultant_joined: (name: string) => string;
  /** A consultant passed the conversation on: to another queue, or to a colleague by name. */
  being_transferred: string;
  consultant_took_over: (name: string) => string;
  /** Above each of a consultant's messages. */
  consultant_sender: (name: string) => string;
  assistant_back: string;
  no_consultant: string;
  consultant_name: string;
}

const en: widget_strings = {
  default_title: 'Chat with us',
  open_chat: 'Open chat',
  close_chat: 'Close chat',
  conversation_label: 'Conversation',
  input_label: 'Your message',
  input_placeholder: 'Type your message…',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent.',
  retry: 'Retry',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  unavailable: 'The chat is not available right now.',
  forbidden: 'The chat is not enabled for this website.',
  try_again: 'Try again',
  bot_name: 'Assistant',
  you: 'You',
  typing: (name) => `${name} is typing…`,
  session_renewed: 'Your chat session was renewed. The assistant no longer sees the earlier messages above.',
  action_failed: 'Your choice could not be sent. Please try again.',
  unsupported_content: 'This message contains content that cannot be shown here.',
  warn_title: 'Please check before sending',
  warn_card: 'This looks like a card number.',
  warn_password: 'This looks like a password.',
  warn_pin: 'This looks like a PIN or one-time code.',
  send_anyway: 'Send anyway',
  suggested_actions_label: 'Suggested replies',
  new_message: (name, text) => `${name}: ${text}`,
  integrity_failed: 'A message of this conversation cannot be shown: it failed its integrity check. The service has been told.',
  finding_consultant: (position, minutes) =>
    'Finding a consultant for you…' +
    (position !== null ? ` You are number ${position} in the queue.` : '') +
    (minutes !== null ? ` Expected wait: about ${minutes} min.` : ''),
  consultant_joined: (name) => `${name} (consultant) joined the conversation.`,
  being_transferred: 'You are being transferred to another consultant. Please stay in the chat.',
  consultant_took_over: (name) => `${name} (consultant) took over the conversation.`,
  consultant_sender: (name) => `${name} (consultant)`,
  assistant_back: 'You are back with the assistant.',
  no_consultant: 'No consultant could join the conversation.',
  consultant_name: 'Consultant',
};

const de: widget_strings = {
  default_title: 'Chatten Sie mit uns',
  open_chat: 'Chat öffnen',
  close_chat: 'Chat schließen',
  conversation_label: 'Unterhaltung',
  input_label: 'Ihre Nachricht',
  input_placeholder: 'Nachricht eingeben…',
  send: 'Senden',
  sending: 'Wird gesendet…',
  sent: 'Gesendet',
  failed: 'Nicht gesendet.',
  retry: 'Erneut senden',
  connecting: 'Verbindung wird aufgebaut…',
  reconnecting: 'Verbindung unterbrochen. Neuer Versuch…',
  unavailable: 'Der Chat ist gerade nicht verfügbar.',
  forbidden: 'Der Chat ist für diese Website nicht freigeschaltet.',
  try_again: 'Erneut versuchen',
  bot_name: 'Assistent',
  you: 'Sie',
  typing: (name) => `${name} schreibt…`,
  session_renewed: 'Ihre Chat-Sitzung wurde erneuert. Der Assistent sieht die früheren Nachrichten oben nicht mehr.',
  action_failed: 'Ihre Auswahl konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
  unsupported_content: 'Diese Nachricht enthält Inhalte, die hier nicht angezeigt werden können.',
  warn_title: 'Bitte prüfen Sie vor dem Senden',
  warn_card: 'Das sieht aus wie eine Kartennummer.',
  warn_password: 'Das sieht aus wie ein Passwort.',
  warn_pin: 'Das sieht aus wie eine PIN oder ein Einmalcode.',
  send_anyway: 'Trotzdem senden',
  suggested_actions_label: 'Antwortvorschläge',
  new_message: (name, text) => `${name}: ${text}`,
  integrity_failed:
    'Eine Nachricht dieser Unterhaltung kann nicht angezeigt werden: Ihre Integritätsprüfung ist fehlgeschlagen. Der Dienst wurde benachrichtigt.',
  finding_consultant: (position, minutes) =>
    'Wir suchen eine Beraterin oder einen Berater für Sie…' +
    (position !== null ? ` Sie sind Nummer ${position} in der Warteschlange.` : '') +
    (minutes !== null ? ` Voraussichtliche Wartezeit: etwa ${minutes} Min.` : ''),
  consultant_joined: (name) => `${name} (Beratung) ist der Unterhaltung beigetreten.`,
  being_transferred: 'Sie werden an eine andere Beraterin oder einen anderen Berater weitergeleitet. Bitte bleiben Sie im Chat.',
  consultant_took_over: (name) => `${name} (Beratung) hat die Unterhaltung übernommen.`,
  consultant_sender: (name) => `${name} (Beratung)`,
  assistant_back: 'Sie sind wieder beim Assistenten.',
  no_consultant: 'Es konnte keine Beraterin und kein Berater beitreten.',
  consultant_name: 'Beratung',
};

/** The common warning under every credential alert: what the bank never asks for. */
export const never_ask: Record<'en' | 'de', string> = {
  en: 'Never share passwords, PINs, one-time codes or full card numbers in the chat. We will never ask for them.',
  de: 'Teilen Sie im Chat niemals Passwörter, PINs, Einmalcodes oder vollständige Kartennummern. Wir fragen nie danach.',
};

export function language_of(locale: string): 'en' | 'de' {
  return locale.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function strings_for(locale: string): widget_strings {
  return language_of(locale) === 'de' ? de : en;
}
