// Wires repositories and services together. Routes receive `Services` (type-only import), so route
// modules and their zod schemas stay importable without a database.
//
// One folder per concern, each with an index naming what the rest of the server uses: accounts/ (accounts,
// handles, standing, registration gate), staff/ (dashboard staff, passwords, TOTP, login throttle), relay/
// (conversations, 1:1 sends, groups, delivery wake-ups, blocks, quota, undelivered records), keys/ (key directory,
// MLS key packages), transparency/ (key log), stamping/ (stamps, keyring file), blobs/, reports/ (intake,
// routing), cases/ (cases, evidence, retention), policies/ (catalog, statements of reasons), moderation/ (queue,
// commands, audit, statistics, appeals, notices, ban evasion, metrics). Inside services, modules import each
// other's files directly, never a folder index, so no import cycle runs through an index.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Keyring } from '../../client/protocol.ts';
import { KIND_IDENTITY, identityBindingKey, treeHeadToJson } from '../../client/transparency/index.ts';
import type { ServerConfig } from '../config.ts';
import type { Db } from '../db.ts';
import { accountsRepo } from '../data/accounts.ts';
import { blobsRepo } from '../data/blobs.ts';
import { blocksRepo } from '../data/blocks.ts';
import { conversationsRepo } from '../data/conversations.ts';
import { envelopeUsageRepo } from '../data/envelope-usage.ts';
import { envelopesRepo } from '../data/envelopes.ts';
import { groupMembersRepo } from '../data/group-members.ts';
import { keyPackagesRepo } from '../data/key-packages.ts';
import { keysRepo } from '../data/keys.ts';
import { moderationCasesRepo } from '../data/moderation-cases.ts';
import { moderationCatalogRepo } from '../data/moderation-catalog.ts';
import { moderationEventsRepo } from '../data/moderation-events.ts';
import { moderationMetricsRepo } from '../data/moderation-metrics.ts';
import { moderationRepo } from '../data/moderation.ts';
import { moderatorsRepo } from '../data/moderators.ts';
import { moderatorsRepo as staffRepo } from '../data/moderators.ts';
import { registrationRepo } from '../data/registration.ts';
import { reportsRepo } from '../data/reports.ts';
import { sendReceiptsRepo } from '../data/send-receipts.ts';
import { transparencyRepo } from '../data/transparency.ts';
import { devicesRepo } from '../data/devices.ts';
import { deviceActivityRepo } from '../data/device-activity.ts';
import { handleReleasesRepo } from '../data/handle-releases.ts';
import { undeliveredRepo } from '../data/undelivered.ts';
import { loadModerationConfig } from '../moderation-config.ts';
import { MemoryBus } from '../shared/bus.ts';
import { type SharedState, createSharedState } from '../shared/index.ts';
import { KeyringSync } from '../shared/keyring-sync.ts';
import { Revocations } from '../shared/revocations.ts';
import { asSweepLeader } from '../shared/sweep-lock.ts';
import { AccountsService, EnforcementService, RegistrationGate, ReservedHandles, loadRegistrationKeys } from './accounts/index.ts';
import { BlobsService } from './blobs/index.ts';
import { CasesService, EvidenceService, RetentionService } from './cases/index.ts';
import { KeyDirectoryService, KeyPackagesService } from './keys/index.ts';
import { AppealsService, BanEvasionService, MetricsService, ModerationService, NoticesService } from './moderation/index.ts';
import { PoliciesService } from './policies/index.ts';
import {
  BlocksService, ConversationsService, DeliveryHub, EnvelopeQuota, GroupsService, RelayService, SendCommitter, UndeliveredService,
} from './relay/index.ts';
import { ReportsService, RoutingService } from './reports/index.ts';
import { LoginThrottle, ModeratorsService, loadLoginThrottleConfig } from './staff/index.ts';
import { type KeyringSource, StampingService } from './stamping/index.ts';
import { KIND_DEVICE_LIST, TransparencyService, loadLogSigner, parseWitnesses } from './transparency/index.ts';
import { DEVICES_CHANNEL, DeviceActivityService, DevicesService, HandleReleases } from './devices/index.ts';
import { LinkService, linkStore } from './link/index.ts';

export interface Services {
  accounts: AccountsService;
  keys: KeyDirectoryService;
  /** MLS key packages in the key directory (docs/PROTOCOL.md §12.6). */
  keyPackages: KeyPackagesService;
  conversations: ConversationsService;
  relay: RelayService;
  reports: ReportsService;
  enforcement: EnforcementService;
  stamping: StampingService;
  hub: DeliveryHub;
  moderationEvents: ReturnType<typeof moderationEventsRepo>;
  /** Dashboard staff, sessions and CSRF (docs/MODERATION.md "Roles and staff accounts", "Sessions, cookies, CSRF, lockout"). */
  moderators: ModeratorsService;
  /** Queue, claims, decisions, audit, stats (docs/MODERATION.md "The event log and the derived queue state"). */
  moderation: ModerationService;
  notices: NoticesService;
  /** Attachment blobs and reported attachments (docs/PROTOCOL.md §11.8). */
  blobs: BlobsService;
  /** MLS group relay: orders Commits, follows the roster, one ciphertext per message, stamps per member. */
  groups: GroupsService;
  /** Block lists; the send route drops envelopes to recipients who blocked the sender (docs/API.md "Blocking, handles, quotas"). */
  blocks: BlocksService;
  /** Deliveries not made (refused while blocked, expired), no content: they explain a report's gaps (docs/PROTOCOL.md §8.3.1). */
  undelivered: UndeliveredService;
  /** Per-account quota on undelivered bytes, 1:1 and group (docs/API.md "Undelivered quota"; relay/envelope-quota.ts). */
  envelopeQuota: EnvelopeQuota;
  /** Appeals, policies, routing, cases, evidence, retention, metrics (docs/MODERATION.md, "Policies and statements of reasons" to "Metrics and transparency report"). */
  appeals: AppealsService;
  policies: PoliciesService;
  routing: RoutingService;
  cases: CasesService;
  evidence: EvidenceService;
  retention: RetentionService;
  metrics: MetricsService;
  /** Registration gate (open / invite / pow), per-address registration limit, network hashes (docs/MODERATION.md "Registration gate"). */
  registration: RegistrationGate;
  /** The registration network signal and the "ban evasion" action (docs/MODERATION.md "Ban evasion"). */
  banEvasion: BanEvasionService;
  /** Periodic cleanup: expired envelopes, challenges, sessions, blobs, revealed content past retention (one process per round: server/shared/sweep-lock.ts). */
  sweep(): Promise<{ envelopes: number; sessions: number; blobs: number; groupMessages: number; purgedCases: number; skipped?: true }>;
  /** What several processes share: bus (wake-ups, revocations, keyring announcements), Redis, rate-limit stores. */
  shared: SharedState;
  /** Keeps the stamping keyring current with the key file (rotation reaches every process). */
  keyringSync: KeyringSync;
  /** Key transparency log of every key binding the directory serves (docs/TRANSPARENCY.md). */
  transparency: TransparencyService;
  /** Device lists, their key-log leaves and device records (docs/PROTOCOL-devices.md D7, D8, D13.6). */
  devices: DevicesService;
  /** When each device was last active, coarse (docs/PROTOCOL-devices.md D8.3): noted at the edge, read by the account's own devices. */
  deviceActivity: DeviceActivityService;
  /** The operator's handle releases for a reset (docs/PROTOCOL-devices.md D6.6; an admin decision in the event log). */
  handleReleases: HandleReleases;
  /** Link channels between a new device and an existing one (docs/PROTOCOL-linking.md L8). */
  link: LinkService;
  db: Db;
  config: ServerConfig;
  logger: Logger;
}

/** Bus channel of the key log's newly signed heads (docs/TRANSPARENCY.md §6.3). */
export const KT_HEAD_CHANNEL = 'kt-head';

export function createServices(
  db: Db, config: ServerConfig, keyring: Keyring, logger: Logger,
  shared: SharedState = inMemoryShared(config), keySource: KeyringSource = { json: config.keyringJson, file: config.keyringFile },
): Services {
  const accountsData = accountsRepo(db);
  const conversationsData = conversationsRepo(db);
  const hub = new DeliveryHub(shared.bus);
  const stamping = new StampingService(keyring, config.stamping);
  const { signer: logSigner, created: logKeyCreated } = loadLogSigner(config.transparency);
  if (logKeyCreated) logger.warn({ file: config.transparency.logKeyFile }, 'created a new key-transparency log key file; back it up');
  const transparency = new TransparencyService(transparencyRepo(db), logSigner, parseWitnesses(config.transparency.witnessesJson));
  // Each signed head is announced on the bus; the push channel of every process tells its clients (server/push.ts).
  transparency.onHead((h) => void shared.bus.publish(KT_HEAD_CHANNEL, JSON.stringify(treeHeadToJson(h))));
  const keyringSync = new KeyringSync(keySource, (k) => stamping.replaceKeyring(k), logger);
  const accounts = new AccountsService(
    accountsData,
    // With several processes a cached session is trusted for a bounded time only (revocations normally arrive first).
    { tokenMs: config.tokenTtlMs, challengeMs: config.challengeTtlMs, ...(shared.bus.kind === 'memory' ? {} : { sessionCacheMs: config.scale.sessionCacheMs }) },
    new Revocations(shared.bus),
    {
      // An id the log binds to keys of any kind (identity, or a device list: docs/PROTOCOL-devices.md D8.2) is taken.
      isBound: async (id) => (await transparency.hasBinding(id, KIND_IDENTITY)) || (await transparency.hasBinding(id, KIND_DEVICE_LIST)),
      publish: (id, sk, dh) => transparency.ensureFirstBinding(id, KIND_IDENTITY, identityBindingKey(sk, dh)),
    },
    new ReservedHandles(config.reservedHandles ?? []),
  );
  // D13.6: a logged list ends its removed devices' sessions and sockets on every process and is announced to the
  // account's devices (server/push.ts).
  // D6.6: a reset is accepted only under an admin's release of the handle for the new device's reset code.
  const handleReleases: HandleReleases = new HandleReleases(handleReleasesRepo(db), (id): Promise<boolean> => devices.hasList(id));
  const devices: DevicesService = new DevicesService(devicesRepo(db), transparency, (change) => {
    accounts.forgetDevices(change.accountId, change.removed);
    void shared.bus.publish(DEVICES_CHANNEL, JSON.stringify({ accountId: change.accountId, listVersion: change.listVersion, deviceIds: change.deviceIds }));
  }, handleReleases);
  accounts.useDeviceLists({
    hasList: (id) => devices.hasList(id),
    deviceSigningKey: (id, deviceId) => devices.deviceSigningKey(id, deviceId),
    checkGenesis: (id, list) => devices.checkGenesis(id, list),
    logGenesis: (id, verified) => devices.logGenesis(id, verified),
    isCurrentDevice: (caller) => devices.isCurrentDevice(caller),
  });
  const envelopes = envelopesRepo(db);
  const envelopeQuota = new EnvelopeQuota(envelopeUsageRepo(db), config.envelopeQuotaBytes);
  const relay = new RelayService({
    conversations: conversationsData, envelopes, stamping, hub,
    committer: new SendCommitter(sendReceiptsRepo(db), envelopes, config.scale.idempotencyTtlMs, envelopeQuota),
    envelopeTtlMs: config.envelopeTtlMs, batchMax: config.sendBatchMax, batchDelayMs: config.sendBatchDelayMs,
    currentDevices: (ids) => devices.currentDevices(ids),
  });
  // Staff login throttling counts in Redis when the deployment has several processes (server/shared/index.ts).
  const modConfig = loadModerationConfig();
  const moderators = new ModeratorsService(
    moderatorsRepo(db), modConfig,
    shared.redis ? new LoginThrottle(loadLoginThrottleConfig(), { redis: shared.redis, keyPrefix: `${shared.keyPrefix}login` }) : undefined,
  );
  const catalog = moderationCatalogRepo(db);
  const casesData = moderationCasesRepo(db);
  const modData = moderationRepo(db);
  const policies = new PoliciesService(catalog);
  const routing = new RoutingService(catalog, casesData, modConfig);
  const staff = staffRepo(db);
  const moderationEvents = moderationEventsRepo(db);
  const blobs = new BlobsService({ blobs: blobsRepo(db), conversations: conversationsData, events: moderationEvents, config: config.blobs });
  const blocks = new BlocksService(blocksRepo(db), accounts);
  const undelivered = new UndeliveredService(undeliveredRepo(db), config.reportWindowMs, (id, v) => devices.devicesAt(id, v));
  const groups = new GroupsService({ members: groupMembersRepo(db), conversations: conversationsData, blobs, blocks, undelivered, stamping, hub, quota: envelopeQuota, ttlMs: config.envelopeTtlMs, maxMembers: config.groupMaxMembers, currentDevices: (ids) => devices.currentDevices(ids) });
  const moderation = new ModerationService(modData, (id) => accounts.forgetSessions(id), {
    policies, cfg: modConfig,
    staffRole: async (actorId) => {
      const m = actorId.startsWith('staff:') ? await staff.find(actorId.slice(6)) : null;
      return m && !m.disabled ? m.role : null;
    },
  });
  const registrationData = registrationRepo(db);
  const { keys: registrationKeys, created: registrationSecretCreated } = loadRegistrationKeys(config.registration);
  if (registrationSecretCreated) logger.warn({ file: config.registration.secretFile }, 'created a new registration secret file; every process of this deployment must share it');
  const registration = new RegistrationGate(config.registration, registrationData, registrationKeys, { redis: shared.redis, keyPrefix: shared.keyPrefix });
  const retention = new RetentionService(casesData, config.blobs.dir, registrationData);
  return {
    accounts,
    keys: new KeyDirectoryService(keysRepo(db), accounts, config.transparency.proofsOnFetch ? transparency : undefined, devices),
    transparency,
    devices,
    deviceActivity: new DeviceActivityService(deviceActivityRepo(db), (err) => logger.warn({ err }, 'device activity write failed')),
    handleReleases,
    link: new LinkService(linkStore(db)),
    keyPackages: new KeyPackagesService(keyPackagesRepo(db), accounts, transparency, devices),
    conversations: new ConversationsService(conversationsData),
    relay,
    // Check the key file before each verification: a key another process already stamps with is in it.
    reports: new ReportsService(reportsRepo(db), () => (keyringSync.fresh(), stamping.currentKeyring), config.reportWindowMs, (id, items) => blobs.recordReport(id, items), routing, undelivered),
    enforcement: new EnforcementService(accountsData),
    stamping,
    hub,
    moderationEvents,
    blobs,
    groups,
    moderators,
    moderation,
    blocks,
    undelivered,
    envelopeQuota,
    notices: new NoticesService(accountsData, moderation),
    appeals: new AppealsService(casesData, modData, modConfig, (id) => accounts.forgetSessions(id)),
    policies,
    routing,
    cases: new CasesService(casesData, modData, modConfig),
    evidence: new EvidenceService(modData, casesData, modConfig.evidenceKeyFile ?? path.join(path.dirname(config.keyringFile), 'evidence-key.json')),
    retention,
    metrics: new MetricsService(moderationMetricsRepo(db)),
    registration,
    banEvasion: new BanEvasionService(registrationData, {
      standing: (id) => accountsData.standing(id), policies, appealWindowMs: modConfig.appealWindowMs, onStandingChanged: (id) => accounts.forgetSessions(id),
    }),
    async sweep() {
      const now = new Date();
      // Retention purges in its own lock-safe batches (SKIP LOCKED), so it would be safe outside the leader too.
      const swept = await asSweepLeader(db, async () => ({
        // §8.3.1: record what expired undelivered (no content) before the relay deletes it
        envelopes: (await undelivered.recordExpired(now), await undelivered.sweep(now), await relay.sweep(now)), sessions: (await accounts.sweep(now)) + (await moderators.sweep(now)), blobs: await blobs.sweep(now),
        groupMessages: await groups.sweep(now),
        purgedCases: (await retention.sweep(now)).cases,
      }));
      return swept ?? { envelopes: 0, sessions: 0, blobs: 0, groupMessages: 0, purgedCases: 0, skipped: true as const };
    },
    shared,
    keyringSync,
    db,
    config,
    logger,
  };
}

/** One process, nothing shared (tests and tools that build services directly). */
function inMemoryShared(config: ServerConfig): SharedState {
  const bus = new MemoryBus();
  return { bus, redis: null, keyPrefix: config.scale.redisPrefix, rateLimitStore: () => undefined, close: () => bus.close() };
}
export { createSharedState };
