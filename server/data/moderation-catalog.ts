// Admin-kept moderation catalog: policies (every decision cites one), statement-of-reasons templates and routing
// rules. Every change is written with its audit event in one transaction (subjects policy / template / routing_rule).
import type { Db } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import { appendEventOp, type ModerationEventInput } from './moderation-events.ts';

export interface PolicyRow {
  id: string;
  name: string;
  description: string;
  defaultAction: string;
  defaultSuspendHours: number | null;
  dsaCategory: string;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface TemplateRow {
  action: string;
  body: string;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface RoutingRuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  conditions: string;
  queue: string;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
}

export function moderationCatalogRepo(db: Db) {
  return {
    async policies(): Promise<PolicyRow[]> {
      return db.moderationPolicy.findMany({ orderBy: [{ archived: 'asc' }, { name: 'asc' }] });
    },
    async policy(id: string): Promise<PolicyRow | null> {
      return db.moderationPolicy.findUnique({ where: { id } });
    },
    async policyCount(): Promise<number> {
      return db.moderationPolicy.count();
    },
    /** Idempotent seeding (several processes may start at once): existing rows are left alone. */
    async seedPolicies(rows: Array<Omit<PolicyRow, 'createdAt' | 'updatedAt' | 'archived'>>): Promise<void> {
      for (const r of rows) await db.moderationPolicy.upsert({ where: { id: r.id }, create: r, update: {} });
    },
    async createPolicy(p: Omit<PolicyRow, 'createdAt' | 'updatedAt' | 'archived'>, event: ModerationEventInput): Promise<PolicyRow> {
      try {
        const [row] = await db.$transaction([db.moderationPolicy.create({ data: p }), appendEventOp(db, event)]);
        return row;
      } catch (e) {
        if (isUniqueViolation(e)) throw new ConflictError('policy_exists', `policy ${p.id} already exists`);
        throw e;
      }
    },
    async updatePolicy(id: string, data: Partial<Omit<PolicyRow, 'id' | 'createdAt' | 'updatedAt'>>, event: ModerationEventInput): Promise<PolicyRow> {
      const [row] = await db.$transaction([db.moderationPolicy.update({ where: { id }, data }), appendEventOp(db, event)]);
      return row;
    },

    async templates(): Promise<TemplateRow[]> {
      return db.statementTemplate.findMany({ orderBy: { action: 'asc' } });
    },
    async template(action: string): Promise<TemplateRow | null> {
      return db.statementTemplate.findUnique({ where: { action } });
    },
    async putTemplate(action: string, body: string, actorId: string | null, event: ModerationEventInput): Promise<TemplateRow> {
      const [row] = await db.$transaction([
        db.statementTemplate.upsert({ where: { action }, create: { action, body, updatedBy: actorId }, update: { body, updatedBy: actorId } }),
        appendEventOp(db, event),
      ]);
      return row;
    },

    async rules(): Promise<RoutingRuleRow[]> {
      return db.routingRule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }] });
    },
    async createRule(r: Omit<RoutingRuleRow, 'createdAt' | 'updatedAt'>, event: ModerationEventInput): Promise<RoutingRuleRow> {
      const [row] = await db.$transaction([db.routingRule.create({ data: r }), appendEventOp(db, event)]);
      return row;
    },
    async updateRule(id: string, data: Partial<Omit<RoutingRuleRow, 'id' | 'createdAt' | 'updatedAt'>>, event: ModerationEventInput): Promise<RoutingRuleRow> {
      const [row] = await db.$transaction([db.routingRule.update({ where: { id }, data }), appendEventOp(db, event)]);
      return row;
    },
    async ruleExists(id: string): Promise<boolean> {
      return (await db.routingRule.count({ where: { id } })) > 0;
    },
  };
}
export type ModerationCatalogRepo = ReturnType<typeof moderationCatalogRepo>;
