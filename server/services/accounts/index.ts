// Chat accounts: registration and login, handles, standing (docs/API.md "Accounts"), and the registration gate
// (docs/MODERATION.md "Registration gate").
export { AccountsService, type Principal } from './accounts.ts';
export { EnforcementService, assertActive } from './enforcement.ts';
export { ReservedHandles, foldHandle, parseReservedHandles } from './reserved-handles.ts';
export { RegistrationGate } from './registration/gate.ts';
export { type RegistrationKeys, deriveRegistrationKeys, loadRegistrationKeys } from './registration/secret.ts';
export type { AccountRole } from '../../data/accounts.ts';
