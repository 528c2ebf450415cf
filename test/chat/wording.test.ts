// The chat's words (chat/src/wording.ts): every ChatError code has a sentence (never the bare code), wrapped
// refusals say the inner reason, and anything that is not a ChatError is shown by its own message.
import { describe, expect, it } from 'vitest';
import { ApiError } from '@franking-chat/sdk';
import { CHAT_ERROR_CODES, ChatError } from '../../chat/src/engine/errors.ts';
import { describeSendError, errorText, handleProblem } from '../../chat/src/wording.ts';

describe('errorText', () => {
  it.each(CHAT_ERROR_CODES)('%s has words', (code) => {
    const text = errorText(new ChatError(code, { handle: 'bob', action: 'add', size: 30 * 1024 * 1024, detail: 'the detail' }));
    expect(text.length).toBeGreaterThan(3);
    expect(text).not.toBe(code);
  });

  it('a refused member key says why, inside the action', () => {
    const cause = new ChatError('key_not_proven', { detail: "bob's key is not in the log." });
    expect(errorText(new ChatError('member_key_refused', { action: 'add', cause }))).toBe("Could not add members: bob's key is not in the log.");
  });

  it('names the handle, the size and the group action where the words need them', () => {
    expect(errorText(new ChatError('handle_taken', { handle: 'alice' }))).toBe('The handle “alice” is taken. Try another one.');
    expect(errorText(new ChatError('group_not_authorized', { action: 'remove' }))).toBe("Only the group's creator and admins can remove that member.");
    expect(errorText(new ChatError('file_too_large', { size: 26 * 1024 * 1024 }))).toBe('That file is 26.0 MB, over the limit: files up to 25.0 MB can be sent.');
    expect(errorText(new ChatError('handle_invalid', { handle: 'a b' }))).toBe(handleProblem('a b'));
  });

  it('other errors keep their message; non-errors are stringified', () => {
    expect(errorText(new Error('plain'))).toBe('plain');
    expect(errorText('text')).toBe('text');
  });

  it('ChatError.is checks the class and, when given, the code', () => {
    const e = new ChatError('group_empty');
    expect(ChatError.is(e)).toBe(true);
    expect(ChatError.is(e, 'group_empty')).toBe(true);
    expect(ChatError.is(e, 'group_fork')).toBe(false);
    expect(ChatError.is(new Error('group_empty'))).toBe(false);
  });
});

describe('describeSendError', () => {
  const problem = (code: string, extra: Record<string, unknown> = {}) =>
    new ApiError({ type: 'about:blank', title: code, status: 403, detail: `detail of ${code}`, code, ...extra }, null);

  it('keeps the server code with the words; network errors promise the automatic resend', () => {
    expect(describeSendError(problem('network_error'))).toEqual({ code: 'network_error', text: "Not sent yet: the server can't be reached. It will be sent by itself when the connection returns." });
    expect(describeSendError(problem('account_banned')).code).toBe('account_banned');
    expect(describeSendError(problem('something_new'))).toEqual({ code: 'something_new', text: 'Not sent: detail of something_new' });
    expect(describeSendError(new Error('x'))).toEqual({ code: 'client_error', text: 'Not sent: something went wrong in this page. Try again.' });
  });
});
