/** Synthetic users (not real people): home region, 1-3 taste categories and independent consent flags. */
import { SMALL_REGION, SMALL_REGION_USERS, type TenantCatalog } from './catalog';
import type { Rng } from './random';
import type { DemoUser } from './types';

/** Share of users with a sensitive category among their tastes: rare, but present so filters have work. */
export const SENSITIVE_TASTE_RATE = 0.05;
export const CONSENT_PERSONALIZATION_RATE = 0.75;
export const CONSENT_TRAINING_RATE = 0.6;

export function generateUsers(catalog: TenantCatalog, count: number, rng: Rng): DemoUser[] {
  const regions = Object.keys(catalog.regionWeights);
  const regionWeights = Object.values(catalog.regionWeights);
  // Exactly a handful of SMALL_REGION residents (1 per 20 users at most), chosen at random positions.
  const smallCount = Math.min(SMALL_REGION_USERS, Math.floor(count / 20));
  const smallRegionUsers = new Set(rng.shuffle(Array.from({ length: count }, (_, i) => i)).slice(0, smallCount));

  const users: DemoUser[] = [];
  for (let i = 0; i < count; i++) {
    users.push({
      tenantId: catalog.tenantId,
      userId: `${catalog.prefix}-user-${String(i + 1).padStart(5, '0')}`,
      homeRegion: smallRegionUsers.has(i) ? SMALL_REGION : rng.weightedPick(regions, regionWeights),
      tasteCategories: pickTastes(catalog, rng),
      // Drawn independently: training consent says nothing about personalization consent.
      consentPersonalization: rng.chance(CONSENT_PERSONALIZATION_RATE),
      consentTraining: rng.chance(CONSENT_TRAINING_RATE),
    });
  }
  return users;
}

/** 1-3 distinct categories, strongest first; at most one sensitive, and only for ~5% of users. */
function pickTastes(catalog: TenantCatalog, rng: Rng): string[] {
  const count = rng.weightedPick([1, 2, 3], [0.4, 0.35, 0.25]);
  const tastes: string[] = [];
  if (rng.chance(SENSITIVE_TASTE_RATE)) {
    const sensitive = catalog.categories.filter((c) => c.sensitive);
    tastes.push(
      rng.weightedPick(
        sensitive,
        sensitive.map((c) => c.weight),
      ).name,
    );
  }
  const ordinary = catalog.categories.filter((c) => !c.sensitive);
  const weights = ordinary.map((c) => c.weight);
  while (tastes.length < count) {
    const index = rng.weightedPick(
      ordinary.map((_, i) => i),
      weights,
    );
    tastes.push(ordinary[index].name);
    weights[index] = 0; // without replacement
  }
  // The sensitive taste (if any) was drawn first; place it randomly so it is not always the strongest.
  return rng.shuffle(tastes);
}
