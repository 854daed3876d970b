import { Migration } from '@mikro-orm/migrations';

export class Migration20261125221154 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "knowledge_chunk_embedder_index" on "knowledge_chunk" ("embedder");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "knowledge_chunk_embedder_index";`);
  }

}
