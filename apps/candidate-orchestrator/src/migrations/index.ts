import { auditOutboxMigration } from '@recsys/service-kit';

/**
 * candidate-orchestrator's own schema `orchestrator` holds one table: the durable outbox of audit records
 * (decision records) that audit-service could not take yet. Nothing else of the orchestrator is stored.
 */
export const ORCHESTRATOR_MIGRATIONS = [auditOutboxMigration('orchestrator', 1765000000000)];
