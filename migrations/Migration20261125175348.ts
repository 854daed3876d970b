import { Migration } from '@mikro-orm/migrations';

export class Migration20261125175348 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "run_host" ("id" text not null, "started_at" timestamptz not null, "heartbeat_at" timestamptz not null, constraint "run_host_pkey" primary key ("id"));`);

    this.addSql(`create table "command_record" ("tenant_id" uuid not null, "key" text not null, "command" text not null, "run_id" uuid not null, "request_hash" text not null, "status_code" int not null, "response" jsonb not null, "created_at" timestamptz not null, constraint "command_record_pkey" primary key ("tenant_id", "key"));`);

    this.addSql(`create table "workflow_run" ("id" uuid not null, "tenant_id" uuid not null, "task_id" uuid not null, "context_snapshot_id" uuid not null, "template_name" text not null, "template_version" int not null, "template_hash" text not null, "plan" jsonb not null, "requested_mode" text not null, "effective_mode" text not null, "mode_reason" text not null, "tier" text not null, "status" text not null, "state" text not null, "version" int not null, "snapshot" jsonb not null, "event_seq" int not null, "outbox_seq" int not null, "cost_usd" double precision not null, "diagnosis" jsonb null, "owner" text null, "created_by" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "finished_at" timestamptz null, constraint "workflow_run_pkey" primary key ("id"));`);
    this.addSql(`create index "workflow_run_tenant_id_id_index" on "workflow_run" ("tenant_id", "id");`);
    this.addSql(`create index "workflow_run_tenant_id_status_index" on "workflow_run" ("tenant_id", "status");`);
    this.addSql(`create index "workflow_run_task_id_index" on "workflow_run" ("task_id");`);
    this.addSql(`create index "workflow_run_owner_status_index" on "workflow_run" ("owner", "status");`);

    this.addSql(`create table "stage_run" ("id" uuid not null, "tenant_id" uuid not null, "run_id" uuid not null, "stage_id" text not null, "round" int not null, "kind" text not null, "status" text not null, "attempt" int not null, "attempts_total" int not null, "using_fallback" boolean not null, "last_error" text null, "cost_usd" double precision not null, "queued_at" timestamptz null, "started_at" timestamptz null, "finished_at" timestamptz null, "updated_at" timestamptz not null, constraint "stage_run_pkey" primary key ("id"));`);
    this.addSql(`alter table "stage_run" add constraint "stage_run_run_id_stage_id_round_unique" unique ("run_id", "stage_id", "round");`);

    this.addSql(`create table "stage_result" ("key" text not null, "tenant_id" uuid not null, "run_id" uuid not null, "stage_run_id" uuid not null, "stage_id" text not null, "round" int not null, "attempt" int not null, "kind" text not null, "ok" boolean not null, "output" jsonb null, "error" text null, "retryable" boolean null, "cost_usd" double precision not null, "artifacts" jsonb not null, "started_at" timestamptz not null, "finished_at" timestamptz not null, "created_at" timestamptz not null, constraint "stage_result_pkey" primary key ("key"));`);
    this.addSql(`create index "stage_result_run_id_stage_id_index" on "stage_result" ("run_id", "stage_id");`);

    this.addSql(`create table "run_outbox" ("run_id" uuid not null, "seq" int not null, "tenant_id" uuid not null, "kind" text not null, "payload" jsonb not null, "created_at" timestamptz not null, constraint "run_outbox_pkey" primary key ("run_id", "seq"));`);

    this.addSql(`create table "run_event" ("run_id" uuid not null, "seq" int not null, "tenant_id" uuid not null, "event_id" text not null, "type" text not null, "payload" jsonb not null, "from_state" text not null, "to_state" text not null, "stages" jsonb not null, "actor" text not null, "version" int not null, "created_at" timestamptz not null, constraint "run_event_pkey" primary key ("run_id", "seq"));`);
    this.addSql(`alter table "run_event" add constraint "run_event_run_id_event_id_unique" unique ("run_id", "event_id");`);

    this.addSql(`alter table "command_record" add constraint "command_record_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "workflow_run" add constraint "workflow_run_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "workflow_run" add constraint "workflow_run_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade;`);
    this.addSql(`alter table "workflow_run" add constraint "workflow_run_context_snapshot_id_foreign" foreign key ("context_snapshot_id") references "context_snapshot" ("id") on update cascade;`);

    this.addSql(`alter table "stage_run" add constraint "stage_run_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stage_run" add constraint "stage_run_run_id_foreign" foreign key ("run_id") references "workflow_run" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "stage_result" add constraint "stage_result_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stage_result" add constraint "stage_result_run_id_foreign" foreign key ("run_id") references "workflow_run" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_outbox" add constraint "run_outbox_run_id_foreign" foreign key ("run_id") references "workflow_run" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "run_outbox" add constraint "run_outbox_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_event" add constraint "run_event_run_id_foreign" foreign key ("run_id") references "workflow_run" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "run_event" add constraint "run_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "stage_run" drop constraint "stage_run_run_id_foreign";`);

    this.addSql(`alter table "stage_result" drop constraint "stage_result_run_id_foreign";`);

    this.addSql(`alter table "run_outbox" drop constraint "run_outbox_run_id_foreign";`);

    this.addSql(`alter table "run_event" drop constraint "run_event_run_id_foreign";`);

    this.addSql(`drop table if exists "run_host" cascade;`);

    this.addSql(`drop table if exists "command_record" cascade;`);

    this.addSql(`drop table if exists "workflow_run" cascade;`);

    this.addSql(`drop table if exists "stage_run" cascade;`);

    this.addSql(`drop table if exists "stage_result" cascade;`);

    this.addSql(`drop table if exists "run_outbox" cascade;`);

    this.addSql(`drop table if exists "run_event" cascade;`);
  }

}
