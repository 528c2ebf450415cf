import { useEffect, useRef } from 'react';

export const SHORTCUTS: Array<[string, string]> = [
  ['j / k', 'next / previous report (queue and report page)'],
  ['Enter', 'queue: open the selected report · report: submit the chosen action and go to the next'],
  ['c', 'claim the report'],
  ['x', 'queue: check / uncheck the selected report for a bulk claim, release or dismiss'],
  ['r', 'release your claim'],
  ['d', 'choose dismiss'],
  ['w', 'choose warn'],
  ['s', 'choose suspend (pick the duration)'],
  ['b', 'choose ban'],
  ['n', 'write a note'],
  ['m', 'show / hide media'],
  ['?', 'this help'],
  ['Esc', 'close dialogs, clear the chosen action'],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => previous?.focus();
  }, []);
  return (
    <div className="overlay" role="presentation" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <caption className="sr-only">Keyboard shortcuts</caption>
          <thead>
            <tr><th scope="col">Key</th><th scope="col">Action</th></tr>
          </thead>
          <tbody>
            {SHORTCUTS.map(([k, v]) => (
              <tr key={k}><td><kbd>{k}</kbd></td><td>{v}</td></tr>
            ))}
          </tbody>
        </table>
        <button ref={closeRef} type="button" onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
