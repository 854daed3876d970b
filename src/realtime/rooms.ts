/**
 * Socket.IO room names. Every room is namespaced by tenant, so a room name can never be shared by
 * two tenants even if their ids collided in some other namespace; sockets only ever join rooms of
 * their own key's tenant.
 */

/** The room of one run: its step events. */
export const runRoom = (tenantId: string, runId: string) => `t:${tenantId}:run:${runId}`;

/** The room of a tenant's run list: `runs.changed`. */
export const runListRoom = (tenantId: string) => `t:${tenantId}:runs`;
