import { Migration } from '@mikro-orm/migrations';

export class Migration20261125204200 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "learning" ("id" uuid not null, "tenant_id" uuid not null, "brand_id" uuid not null, "campaign_id" uuid null, "task_id" uuid null, "run_id" uuid not null, "kind" text not null, "source_key" text not null, "quality_score" double precision not null, "threshold" double precision not null, "indexed" boolean not null, "negative" boolean not null default false, "reason" text not null, "signals" jsonb not null, "artifact_id" uuid null, "artifact_version" int null, "chunk_count" int not null default 0, "created_at" timestamptz not null, constraint "learning_pkey" primary key ("id"));`);
    this.addSql(`create index "learning_tenant_id_brand_id_index" on "learning" ("tenant_id", "brand_id");`);
    this.addSql(`alter table "learning" add constraint "learning_tenant_id_run_id_source_key_unique" unique ("tenant_id", "run_id", "source_key");`);

    this.addSql(`create table "knowledge_policy" ("id" uuid not null, "tenant_id" uuid not null, "brand_id" uuid null, "min_quality_score" double precision null, "retention_days" int null, "version" int not null default 1, "updated_at" timestamptz not null, constraint "knowledge_policy_pkey" primary key ("id"));`);
    this.addSql(`create unique index "knowledge_policy_scope_unique" on "knowledge_policy" ("tenant_id", coalesce("brand_id", '00000000-0000-0000-0000-000000000000'::uuid));`);

    this.addSql(`create table "knowledge_chunk" ("id" uuid not null, "tenant_id" uuid not null, "brand_id" uuid not null, "campaign_id" uuid null, "task_type" text null, "stage" text null, "source" text not null, "source_key" text not null, "source_version" int not null, "run_id" uuid null, "learning_id" uuid null, "quality_score" double precision not null, "negative" boolean not null default false, "chunk_index" int not null, "heading" text null, "text" text not null, "content_hash" text not null, "embedder" text not null, "created_at" timestamptz not null, constraint "knowledge_chunk_pkey" primary key ("id"));`);
    this.addSql(`create index "knowledge_chunk_tenant_id_brand_id_source_index" on "knowledge_chunk" ("tenant_id", "brand_id", "source");`);
    this.addSql(`create index "knowledge_chunk_tenant_id_run_id_index" on "knowledge_chunk" ("tenant_id", "run_id");`);
    this.addSql(`create index "knowledge_chunk_text_fts" on "knowledge_chunk" using gin (to_tsvector('english', "text"));`);
    this.addSql(`alter table "knowledge_chunk" add constraint "knowledge_chunk_tenant_id_source_key_chunk_index_unique" unique ("tenant_id", "source_key", "chunk_index");`);

    this.addSql(`alter table "learning" add constraint "learning_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "knowledge_policy" add constraint "knowledge_policy_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "knowledge_chunk" add constraint "knowledge_chunk_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "brand" add column "deleted_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "learning" cascade;`);

    this.addSql(`drop table if exists "knowledge_policy" cascade;`);

    this.addSql(`drop table if exists "knowledge_chunk" cascade;`);

    this.addSql(`alter table "brand" drop column "deleted_at";`);
  }

}
