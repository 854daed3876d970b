import { Migration } from '@mikro-orm/migrations';

/**
 * The tool layer's tables (permissions, rate limits, credential references, the tool call record)
 * and the artifacts with their versions. A key has at most one successful tool call; tool calls and
 * artifact versions are append-only. (Allowed values are checked at the API edge: MikroORM 6 diffs
 * check constraints as changed on every comparison, which would break the no-drift test.)
 */
export class Migration20261125193151 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "artifact" ("id" uuid not null, "tenant_id" uuid not null, "project_id" uuid not null, "brand_id" uuid not null, "campaign_id" uuid not null, "task_id" uuid not null, "slot" text not null, "kind" text not null, "channel" text null, "latest_version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "artifact_pkey" primary key ("id"));`);
    this.addSql(`alter table "artifact" add constraint "artifact_tenant_id_task_id_slot_unique" unique ("tenant_id", "task_id", "slot");`);

    this.addSql(`create table "artifact_version" ("id" uuid not null, "tenant_id" uuid not null, "artifact_id" uuid not null, "version" int not null, "run_id" uuid not null, "source_key" text not null, "storage_key" text not null, "sha256" text not null, "size" int not null, "content_type" text not null, "lineage" jsonb not null, "created_at" timestamptz not null, constraint "artifact_version_pkey" primary key ("id"));`);
    this.addSql(`create index "artifact_version_run_id_index" on "artifact_version" ("run_id");`);
    this.addSql(`alter table "artifact_version" add constraint "artifact_version_artifact_id_version_unique" unique ("artifact_id", "version");`);
    this.addSql(`alter table "artifact_version" add constraint "artifact_version_tenant_id_source_key_unique" unique ("tenant_id", "source_key");`);

    this.addSql(`create table "tool_call" ("id" uuid not null, "tenant_id" uuid not null, "idempotency_key" text not null, "tool" text not null, "version" text not null, "side_effect" text not null, "provider" text not null, "agent" text null, "project_id" uuid null, "run_id" uuid null, "stage_id" text null, "outcome" text not null, "error_code" text null, "error" text null, "input_hash" text not null, "output_hash" text null, "output" jsonb null, "cost_usd" double precision not null, "input_tokens" int null, "output_tokens" int null, "model" text null, "tries" int not null, "duration_ms" int not null, "created_at" timestamptz not null, constraint "tool_call_pkey" primary key ("id"));`);
    this.addSql(`create index "tool_call_tenant_id_idempotency_key_index" on "tool_call" ("tenant_id", "idempotency_key");`);
    this.addSql(`create index "tool_call_run_id_index" on "tool_call" ("run_id");`);
    this.addSql(`create index "tool_call_tenant_id_created_at_index" on "tool_call" ("tenant_id", "created_at");`);

    this.addSql(`create table "tool_credential_ref" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "provider" text not null, "ref" text not null, "description" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tool_credential_ref_pkey" primary key ("id"));`);
    this.addSql(`alter table "tool_credential_ref" add constraint "tool_credential_ref_tenant_id_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "tool_permission" ("id" uuid not null, "tenant_id" uuid not null, "project_id" uuid null, "agent" text null, "tool" text not null, "effect" text not null, "constraints" jsonb null, "description" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tool_permission_pkey" primary key ("id"));`);
    this.addSql(`create index "tool_permission_tenant_id_tool_index" on "tool_permission" ("tenant_id", "tool");`);

    this.addSql(`create table "tool_rate_limit" ("id" uuid not null, "tenant_id" uuid not null, "tool" text not null, "action" text not null, "limit" int not null, "window_ms" int not null, "on_limit" text not null, "max_wait_ms" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tool_rate_limit_pkey" primary key ("id"));`);
    this.addSql(`alter table "tool_rate_limit" add constraint "tool_rate_limit_tenant_id_tool_action_unique" unique ("tenant_id", "tool", "action");`);

    this.addSql(`alter table "artifact" add constraint "artifact_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "artifact_version" add constraint "artifact_version_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "artifact_version" add constraint "artifact_version_artifact_id_foreign" foreign key ("artifact_id") references "artifact" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tool_call" add constraint "tool_call_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tool_credential_ref" add constraint "tool_credential_ref_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tool_permission" add constraint "tool_permission_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tool_rate_limit" add constraint "tool_rate_limit_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`create unique index "tool_call_ok_key_unique" on "tool_call" ("tenant_id", "idempotency_key") where "outcome" = 'ok';`);
    for (const table of ['tool_call', 'artifact_version']) {
      this.addSql(`create trigger "${table}_append_only" before update or delete on "${table}" for each row execute function vmp_refuse_mutation();`);
      this.addSql(`create trigger "${table}_no_truncate" before truncate on "${table}" for each statement execute function vmp_refuse_mutation();`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "artifact_version" drop constraint "artifact_version_artifact_id_foreign";`);

    this.addSql(`drop table if exists "artifact" cascade;`);

    this.addSql(`drop table if exists "artifact_version" cascade;`);

    this.addSql(`drop table if exists "tool_call" cascade;`);

    this.addSql(`drop table if exists "tool_credential_ref" cascade;`);

    this.addSql(`drop table if exists "tool_permission" cascade;`);

    this.addSql(`drop table if exists "tool_rate_limit" cascade;`);
  }

}
