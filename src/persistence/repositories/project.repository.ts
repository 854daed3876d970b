import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { PlatformError, notFound } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { DEFAULT_PROJECT_NAME, type ProjectData } from '../../domain/tenant.js';
import { Project } from '../entities/tenant.entity.js';
import { decodeCursor, toPage, type Page, type PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';

/** Creates a project, audited as `project.create`; 409 when the name is taken in this tenant. */
export async function createProject(scope: Scope, data: ProjectData): Promise<Project> {
  const project = scope.em.create(Project, {
    id: uuidv7(), tenant: scope.tenantId, name: data.name, description: data.description ?? null, createdAt: new Date(),
  });
  recordAudit(scope, { action: 'project.create', targetType: 'project', targetId: project.id, after: data });
  try {
    await scope.em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      scope.em.clear();
      throw new PlatformError('ALREADY_EXISTS', `a project named ${JSON.stringify(data.name)} already exists`, { name: data.name });
    }
    throw err;
  }
  return project;
}

/** A project of the tenant; 404 when unknown here. */
export async function getProject(scope: Scope, id: string): Promise<Project> {
  const project = await scope.em.findOne(Project, { id });
  if (!project) throw notFound('project', id);
  return project;
}

/** The tenant's default project (created with the tenant). */
export async function getDefaultProject(scope: Scope): Promise<Project> {
  const project = await scope.em.findOne(Project, { name: DEFAULT_PROJECT_NAME });
  if (!project) throw new Error(`tenant ${scope.tenantId} has no default project`);
  return project;
}

/** The tenant's projects, oldest first. */
export async function listProjects(scope: Scope, page: PageRequest): Promise<Page<Project>> {
  const rows = await scope.em.find(Project, page.cursor ? { id: { $gt: decodeCursor(page.cursor) } } : {}, {
    orderBy: { id: 'asc' }, limit: page.limit + 1,
  });
  return toPage(rows, page.limit);
}
