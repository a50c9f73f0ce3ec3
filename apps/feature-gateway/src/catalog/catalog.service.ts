import { ImportCatalogRequest, ImportCatalogResult } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError } from '@recsys/service-kit';
import { CatalogRepository } from './catalog.repository';
import { CatalogSnapshots } from './catalog-snapshot';

const MAX_ITEMS = 5000;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Catalog import (admin): validates every item before anything is written. */
export class CatalogService {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly snapshots: CatalogSnapshots,
  ) {}

  async import(req: ImportCatalogRequest): Promise<ImportCatalogResult> {
    const problems: string[] = [];
    if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
    if (req.items.length > MAX_ITEMS) problems.push(`at most ${MAX_ITEMS} items per call`);
    req.items.forEach((item, i) => {
      if (!ID.test(item.itemId)) problems.push(`items[${i}].item_id must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
      if (!item.category) problems.push(`items[${i}].category is required`);
      if (!ID.test(item.creatorId)) problems.push(`items[${i}].creator_id must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
      if (!(item.qualityScore >= 0 && item.qualityScore <= 1)) problems.push(`items[${i}].quality_score must be within 0..1`);
    });
    req.editorial.forEach((e, i) => {
      if (!e.surface) problems.push(`editorial[${i}].surface is required`);
      if (!(e.position >= 1)) problems.push(`editorial[${i}].position must be at least 1`);
      if (!ID.test(e.itemId)) problems.push(`editorial[${i}].item_id is invalid`);
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, 20));
    const itemsUpserted = await this.repository.upsertItems(req.tenantId, req.items);
    const editorialEntries = await this.repository.replaceEditorial(req.tenantId, req.editorial);
    await this.repository.markChanged(req.tenantId);
    await this.snapshots.reload(req.tenantId);
    return { itemsUpserted, editorialEntries };
  }
}
