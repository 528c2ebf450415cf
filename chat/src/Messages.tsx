// Pieces shared by 1:1 and group conversations: one message (with sender name in groups, attachments,
// delivery state, Report), an attachment shown only once verified, and the composer with "Attach a file".
import { type ChangeEvent, type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { type ChatEngine, MAX_ATTACHMENT_BYTES, type OutgoingFile } from './engine.ts';
import { displayText, errorText, formatBytes, tooLargeMessage } from './wording.ts';
import { ImageViewer } from './ImageViewer.tsx';
import { formatTime } from './labels.ts';
import type { AttachmentState, MessageRecord } from './storage.ts';

/** A verified attachment: images inline, other files as a download link. Nothing is shown before verification. */
export function AttachmentView({ engine, messageId, index, a, from }: { engine: ChatEngine; messageId: string; index: number; a: AttachmentState; from: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [viewing, setViewing] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    let live = true;
    if (a.status === 'ready') void engine.attachmentUrl(messageId, index).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [engine, messageId, index, a.status]);
  const label = `${a.mediaType}, ${formatBytes(a.size)}`;
  if (a.status === 'loading') return <p className="attachment pending" data-attachment="loading">Downloading and verifying an encrypted file ({label})…</p>;
  if (a.status === 'failed') return <p className="attachment bad" role="note" data-attachment="failed">{a.error ?? 'This file could not be opened.'}</p>;
  if (!url) return <p className="attachment pending">Opening file…</p>;
  if (a.mediaType.startsWith('image/') && !a.mediaType.includes('svg')) {
    const alt = `Image from ${from} (${label})`;
    const ext = a.mediaType.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'img';
    return (
      <>
        <button ref={opener} type="button" className="attachment image" data-attachment="ready" onClick={() => setViewing(true)} aria-label={`Enlarge image from ${from} (${label})`}>
          <img src={url} alt={alt} />
        </button>
        {viewing && (
          <ImageViewer url={url} alt={alt} fileName={`image-${messageId.slice(-8)}-${index + 1}.${ext}`} onClose={() => {
            setViewing(false);
            requestAnimationFrame(() => opener.current?.focus());
          }} />
        )}
      </>
    );
  }
  return (
    <a className="attachment file" href={url} download={`attachment-${index + 1}`} data-attachment="ready">
      Download file ({label})
    </a>
  );
}

export function MessageItem({ engine, me, m, senderLabel, showSender, onReport, onRetry, onShowReports, blocked }: {
  engine: ChatEngine; me: string | null; m: MessageRecord; senderLabel: string; showSender: boolean; onReport: (trigger: HTMLElement) => void; onRetry: () => void;
  onShowReports: () => void; blocked: boolean;
}) {
  if (m.direction === 'system') {
    return (
      <li className="system" data-message-id={m.id}>
        {m.text}
      </li>
    );
  }
  const mine = m.direction === 'out';
  const time = formatTime(m.serverTime ?? m.sentAt);
  const info = m.kind === 'group-info';
  return (
    <li className={`${mine ? 'msg out' : 'msg in'}${info ? ' info' : ''}`} data-message-id={m.id} data-state={m.state} data-sender={m.senderId}>
      {showSender && !mine && (
        <span className="sender" aria-hidden="true">
          {senderLabel}
        </span>
      )}
      <div className="bubble">
        <span className="visually-hidden">{mine ? 'You' : senderLabel}: </span>
        {info ? <span className="text info-text" dir="auto">{displayText(m, me)}</span> : m.text && <span className="text" dir="auto">{m.text}</span>}
        {m.attachments?.map((a, i) => <AttachmentView key={i} engine={engine} messageId={m.id} index={i} a={a} from={mine ? 'you' : senderLabel} />)}
      </div>
      <div className="meta">
        <time dateTime={new Date(m.serverTime ?? m.sentAt).toISOString()}>{time}</time>
        {mine && m.fromOtherDevice !== undefined && <span className="other-device" data-testid="from-other-device"> · sent from your other device</span>}
        {mine && m.state === 'sending' && <span className="state"> · Sending…</span>}
        {mine && m.state === 'sent' && (
          <span className="state" title="Encrypted, accepted and stamped by the server">
            {' '}· Sent ✓{m.resent && <span className="resent" data-testid="resent"> · sent by itself when the connection returned</span>}
          </span>
        )}
        {!mine && m.reportId && (
          <button type="button" className="chip" onClick={onShowReports}>
            Reported
          </button>
        )}
        {!mine && !m.reportId && m.item && !blocked && (
          <button type="button" className="report-btn" onClick={(e) => onReport(e.currentTarget)} aria-label={`Report this message from ${senderLabel}`}>
            Report
          </button>
        )}
      </div>
      {mine && m.state === 'failed' && (
        <div className="failed" role="alert">
          <span>{m.error ?? 'Not sent.'}</span>
          {!blocked && m.errorCode !== 'account_banned' && m.errorCode !== 'account_suspended' && (
            <button type="button" className="link" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** Longest message text (characters); longer text is not cut: the composer says so and does not send. */
export const MAX_MESSAGE_CHARS = 4000;
/** The counter shows from here on. */
const COUNT_FROM = 3500;

const draftStorageKey = (key: string) => `franking-chat/draft/${key}`;
function loadDraft(key: string | undefined): string {
  if (!key) return '';
  try {
    return sessionStorage.getItem(draftStorageKey(key)) ?? '';
  } catch {
    return '';
  }
}

/**
 * Text plus an optional file. Enter sends, Shift+Enter makes a new line. The file is encrypted before upload.
 * The draft of each conversation (`draftKey`) survives a reload of the tab.
 */
export function Composer({ label, placeholder, disabled, disabledText = 'Sending is blocked for your account', onSend, draftKey }: {
  label: string; placeholder: string; disabled: boolean; disabledText?: string; onSend: (text: string, file?: OutgoingFile) => Promise<void>; draftKey?: string;
}) {
  const [draft, setDraftState] = useState(() => loadDraft(draftKey));
  const setDraft = (text: string) => {
    setDraftState(text);
    if (!draftKey) return;
    try {
      if (text) sessionStorage.setItem(draftStorageKey(draftKey), text);
      else sessionStorage.removeItem(draftStorageKey(draftKey));
    } catch {
      // storage full or disabled: the draft just does not survive a reload
    }
  };
  const tooLong = draft.length > MAX_MESSAGE_CHARS;
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  function pick(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0] ?? null;
    e.target.value = '';
    if (f && f.size > MAX_ATTACHMENT_BYTES) {
      setFile(null);
      setError(tooLargeMessage(f.size));
      return;
    }
    setError(null);
    setFile(f);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const text = draft;
    if ((!text.trim() && !file) || busy || tooLong) return;
    const sending = file;
    setDraft('');
    setFile(null);
    setError(null);
    setBusy(Boolean(sending));
    try {
      await onSend(text, sending ? { data: sending, mediaType: sending.type || 'application/octet-stream' } : undefined);
    } catch (err) {
      setDraft(text);
      setFile(sending);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="composer-input" className="visually-hidden">
        {label}
      </label>
      <input ref={fileInput} id="composer-file" type="file" className="visually-hidden" onChange={pick} disabled={disabled || busy} aria-label="Attach a file" tabIndex={-1} />
      <button type="button" className="attach-btn" onClick={() => fileInput.current?.click()} disabled={disabled || busy} aria-describedby="attach-hint">
        Attach
      </button>
      <span id="attach-hint" className="visually-hidden">
        Files up to {formatBytes(MAX_ATTACHMENT_BYTES)}, encrypted on this device before upload.
      </span>
      <textarea
        id="composer-input"
        rows={1}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
        placeholder={disabled ? disabledText : placeholder}
        dir="auto"
        disabled={disabled}
        aria-invalid={tooLong || undefined}
        aria-describedby={[error ? 'send-error' : '', draft.length >= COUNT_FROM ? 'char-count' : ''].filter(Boolean).join(' ') || undefined}
      />
      <button type="submit" className="primary" disabled={disabled || busy || tooLong || (!draft.trim() && !file)}>
        {busy ? 'Encrypting…' : 'Send'}
      </button>
      {file && (
        <p className="file-chip" data-testid="chosen-file">
          <span>
            {file.name} · {formatBytes(file.size)} · encrypted before upload
          </span>
          <button type="button" className="link" onClick={() => setFile(null)} aria-label={`Remove ${file.name}`}>
            Remove
          </button>
        </p>
      )}
      {draft.length >= COUNT_FROM && (
        <p id="char-count" className={tooLong ? 'char-count error' : 'char-count'} role={tooLong ? 'alert' : undefined} data-testid="char-count">
          {tooLong
            ? `${draft.length.toLocaleString('en')} characters: messages are limited to ${MAX_MESSAGE_CHARS.toLocaleString('en')}. Shorten it, or attach it as a file.`
            : `${draft.length.toLocaleString('en')} / ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters`}
        </p>
      )}
      {error && (
        <p id="send-error" className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
