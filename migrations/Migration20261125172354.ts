import { Migration } from '@mikro-orm/migrations';

export class Migration20261125172354 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "tenant" ("id" uuid not null, "name" text not null, "created_at" timestamptz not null, constraint "tenant_pkey" primary key ("id"));`);
    this.addSql(`alter table "tenant" add constraint "tenant_name_unique" unique ("name");`);

    this.addSql(`create table "project" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "description" text null, "created_at" timestamptz not null, constraint "project_pkey" primary key ("id"));`);
    this.addSql(`alter table "project" add constraint "project_tenant_id_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "brand" ("id" uuid not null, "tenant_id" uuid not null, "current_version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "project_id" uuid not null, constraint "brand_pkey" primary key ("id"));`);
    this.addSql(`create index "brand_tenant_id_id_index" on "brand" ("tenant_id", "id");`);
    this.addSql(`create index "brand_project_id_index" on "brand" ("project_id");`);

    this.addSql(`create table "campaign" ("id" uuid not null, "tenant_id" uuid not null, "current_version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "brand_id" uuid not null, constraint "campaign_pkey" primary key ("id"));`);
    this.addSql(`create index "campaign_tenant_id_id_index" on "campaign" ("tenant_id", "id");`);
    this.addSql(`create index "campaign_brand_id_index" on "campaign" ("brand_id");`);

    this.addSql(`create table "task" ("id" uuid not null, "tenant_id" uuid not null, "current_version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "campaign_id" uuid not null, "brand_id" uuid not null, constraint "task_pkey" primary key ("id"));`);
    this.addSql(`create index "task_tenant_id_id_index" on "task" ("tenant_id", "id");`);
    this.addSql(`create index "task_campaign_id_index" on "task" ("campaign_id");`);
    this.addSql(`create index "task_brand_id_index" on "task" ("brand_id");`);

    this.addSql(`create table "task_version" ("id" uuid not null, "tenant_id" uuid not null, "version" int not null, "data" jsonb not null, "hash" text not null, "created_by" text not null, "created_at" timestamptz not null, "task_id" uuid not null, constraint "task_version_pkey" primary key ("id"));`);
    this.addSql(`alter table "task_version" add constraint "task_version_task_id_version_unique" unique ("task_id", "version");`);

    this.addSql(`create table "context_snapshot" ("id" uuid not null, "tenant_id" uuid not null, "task_id" uuid not null, "hash" text not null, "refs" jsonb not null, "context" jsonb not null, "provenance" jsonb not null, "conflicts" jsonb not null, "versions" jsonb not null, "created_at" timestamptz not null, constraint "context_snapshot_pkey" primary key ("id"));`);
    this.addSql(`create index "context_snapshot_task_id_index" on "context_snapshot" ("task_id");`);
    this.addSql(`alter table "context_snapshot" add constraint "context_snapshot_tenant_id_hash_unique" unique ("tenant_id", "hash");`);

    this.addSql(`create table "campaign_version" ("id" uuid not null, "tenant_id" uuid not null, "version" int not null, "data" jsonb not null, "hash" text not null, "created_by" text not null, "created_at" timestamptz not null, "campaign_id" uuid not null, constraint "campaign_version_pkey" primary key ("id"));`);
    this.addSql(`alter table "campaign_version" add constraint "campaign_version_campaign_id_version_unique" unique ("campaign_id", "version");`);

    this.addSql(`create table "brand_version" ("id" uuid not null, "tenant_id" uuid not null, "version" int not null, "data" jsonb not null, "hash" text not null, "created_by" text not null, "created_at" timestamptz not null, "brand_id" uuid not null, constraint "brand_version_pkey" primary key ("id"));`);
    this.addSql(`alter table "brand_version" add constraint "brand_version_brand_id_version_unique" unique ("brand_id", "version");`);

    this.addSql(`create table "audit_event" ("id" uuid not null, "tenant_id" uuid not null, "actor_type" text not null, "actor_id" text null, "action" text not null, "target_type" text not null, "target_id" text not null, "version" int null, "before_hash" text null, "after_hash" text null, "details" jsonb null, "request_id" text null, "created_at" timestamptz not null, constraint "audit_event_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_event_tenant_id_created_at_index" on "audit_event" ("tenant_id", "created_at");`);
    this.addSql(`create index "audit_event_tenant_id_target_type_target_id_index" on "audit_event" ("tenant_id", "target_type", "target_id");`);

    this.addSql(`create table "api_key" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "role" text not null, "prefix" text not null, "key_hash" text not null, "created_by" text null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_key_tenant_id_id_index" on "api_key" ("tenant_id", "id");`);

    this.addSql(`alter table "project" add constraint "project_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "brand" add constraint "brand_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "brand" add constraint "brand_project_id_foreign" foreign key ("project_id") references "project" ("id") on update cascade;`);

    this.addSql(`alter table "campaign" add constraint "campaign_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "campaign" add constraint "campaign_brand_id_foreign" foreign key ("brand_id") references "brand" ("id") on update cascade;`);

    this.addSql(`alter table "task" add constraint "task_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task" add constraint "task_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on update cascade;`);
    this.addSql(`alter table "task" add constraint "task_brand_id_foreign" foreign key ("brand_id") references "brand" ("id") on update cascade;`);

    this.addSql(`alter table "task_version" add constraint "task_version_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_version" add constraint "task_version_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade;`);

    this.addSql(`alter table "context_snapshot" add constraint "context_snapshot_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "context_snapshot" add constraint "context_snapshot_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade;`);

    this.addSql(`alter table "campaign_version" add constraint "campaign_version_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "campaign_version" add constraint "campaign_version_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on update cascade;`);

    this.addSql(`alter table "brand_version" add constraint "brand_version_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "brand_version" add constraint "brand_version_brand_id_foreign" foreign key ("brand_id") references "brand" ("id") on update cascade;`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_key" add constraint "api_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);
  }

}
