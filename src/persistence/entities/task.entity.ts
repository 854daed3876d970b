import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { TaskData } from '../../domain/task.js';
import { Brand } from './brand.entity.js';
import { Campaign } from './campaign.entity.js';
import { tenantFilter } from './tenant-scope.js';
import { VersionRow, VersionedHead, headProperties, versionProperties } from './versioned.js';

/** A task's head row; its content lives in {@link TaskVersion}. `brand` is the campaign's brand. */
export class Task extends VersionedHead {
  campaign!: Ref<Campaign>;
  brand!: Ref<Brand>;
}

/** One immutable version of a task's content. */
export class TaskVersion extends VersionRow<TaskData> {
  task!: Ref<Task>;
}

export const TaskSchema = new EntitySchema<Task>({
  class: Task,
  indexes: [{ properties: ['tenant', 'id'] }, { properties: ['campaign'] }, { properties: ['brand'] }],
  tableName: 'task',
  filters: tenantFilter,
  properties: {
    ...headProperties(),
    campaign: { kind: 'm:1', entity: () => Campaign, ref: true },
    brand: { kind: 'm:1', entity: () => Brand, ref: true },
  },
});

export const TaskVersionSchema = new EntitySchema<TaskVersion>({
  class: TaskVersion,
  tableName: 'task_version',
  filters: tenantFilter,
  uniques: [{ properties: ['task', 'version'] }],
  properties: {
    ...versionProperties(),
    task: { kind: 'm:1', entity: () => Task, ref: true },
  },
});
