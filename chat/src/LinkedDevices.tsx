// "Linked devices" (docs/PROTOCOL-devices.md D6): the account's devices from its verified list, when each was linked
// and last active (D8.3, by the day), renamed on this browser only, removed by a signed list (signed out at once
// everywhere, out of every group, D6.2), the way to link another, and the recovery kit.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ChatEngine, OwnDevice } from './engine.ts';
import { type LastSeen, lastActiveText } from './engine/device-activity.ts';
import { LinkDeviceDialog } from './LinkDevice.tsx';
import { RecoveryKitSection } from './RecoveryKit.tsx';
import { errorText } from './wording.ts';

const label = (d: OwnDevice) => d.name ?? `Device ${d.deviceId}`;

export function LinkedDevicesDialog({ engine, onClose }: { engine: ChatEngine; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [devices, setDevices] = useState<OwnDevice[] | null>(null);
  const [lastSeen, setLastSeen] = useState<LastSeen | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [linking, setLinking] = useState(false);
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const [removing, setRemoving] = useState<OwnDevice | null>(null);
  const reload = useCallback(() => {
    engine.devices().then(setDevices, (e: unknown) => setError(errorText(e)));
    // Asked again each time the page opens or the list changes; without an answer the page shows no "last active".
    void engine.lastSeen().then(setLastSeen);
  }, [engine]);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    reload();
  }, [reload]);
  // D7.4: every own-device check (at once on the server's `devices` frame, on each new log head, every 10 minutes)
  // may have moved the own list; the open dialog shows the verified list again after each.
  const lastCheck = useSyncExternalStore(engine.subscribe, () => engine.getSnapshot().kt.lastCheck);
  const firstCheck = useRef(lastCheck);
  useEffect(() => {
    if (lastCheck !== firstCheck.current) reload();
  }, [lastCheck, reload]);

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
      reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    // React passes a nested dialog's close event up to this one: only this dialog's own close ends it.
    <dialog ref={ref} className="dialog" aria-labelledby="devices-title" onClose={(e) => e.target === e.currentTarget && onClose()}>
      <h2 id="devices-title">Linked devices</h2>
      {devices === null && !error && <p>Checking your device list…</p>}
      {devices && (
        <ul className="device-list" data-testid="device-list">
          {devices.map((d) => (
            <li key={d.deviceId}>
              {renaming?.id === d.deviceId ? (
                <form
                  className="row"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void run(() => engine.renameDevice(d.deviceId, renaming.name)).then(() => setRenaming(null));
                  }}
                >
                  <label className="sr-only" htmlFor={`rename-${d.deviceId}`}>New name for {label(d)}</label>
                  <input id={`rename-${d.deviceId}`} value={renaming.name} maxLength={64} onChange={(e) => setRenaming({ id: d.deviceId, name: e.target.value })} autoFocus />
                  <button type="submit">Save</button>
                </form>
              ) : (
                <>
                  <strong>{label(d)}</strong>
                  {d.thisDevice && <span className="sub"> · this device</span>}
                  <span className="sub"> · linked {new Date(d.acceptedAt ?? d.linkedAt).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })}</span>
                  {(d.thisDevice || lastSeen) && (
                    <span className="sub" data-testid={`last-active-${d.deviceId}`}> · Last active: {lastActiveText(lastSeen?.get(d.deviceId), d.thisDevice)}</span>
                  )}
                  <div className="row">
                    <button type="button" className="link" onClick={() => setRenaming({ id: d.deviceId, name: d.name ?? '' })}>
                      Rename
                    </button>
                    {!d.thisDevice && devices.length > 1 && (
                      <button type="button" className="link danger" onClick={() => setRemoving(d)}>
                        Remove
                      </button>
                    )}
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {removing && (
        <div className="confirm" role="alertdialog" aria-labelledby="remove-title">
          <h3 id="remove-title">Remove {label(removing)}?</h3>
          <ul className="plain-list">
            <li>It is signed out at once: it can no longer send or receive messages.</li>
            <li>It is removed from every group you are in.</li>
            <li>It keeps the messages and history already on it: removing it does not erase that device.</li>
            <li>Your contacts see that your devices changed.</li>
          </ul>
          <div className="actions">
            <button type="button" onClick={() => setRemoving(null)}>
              Keep it
            </button>
            <button
              type="button"
              className="danger-solid"
              onClick={() => {
                const id = removing.deviceId;
                setRemoving(null);
                void run(() => engine.removeDevice(id));
              }}
            >
              Remove device
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint">Names are kept on this device only; the server never sees them.</p>
      <button type="button" className="primary" onClick={() => setLinking(true)}>
        Link a device
      </button>
      <RecoveryKitSection engine={engine} />
      <div className="actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
      {linking && (
        <LinkDeviceDialog
          engine={engine}
          onClose={() => {
            setLinking(false);
            reload();
          }}
        />
      )}
    </dialog>
  );
}
