import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { defaultConfigDir } from '@recsys/feature-registry';
import { recommendRequest } from '@recsys/launcher';
import { PrivacyMode, RecommendedItem } from '@recsys/proto';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const reasons = load(readFileSync(join(defaultConfigDir(), 'reasons.yaml'), 'utf8')) as {
  sensitive_categories: string[];
  generic: { code: string };
};

describe('explanations of Recommend items, end to end (template explainer)', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform('embedded');
  }, 180_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('explains every item from its reason, never naming the user, a sensitive category or what a generic reason hides', async () => {
    const categoryOf = new Map(p.data.items.map((i) => [i.itemId, i.category]));
    const mentions = (item: RecommendedItem, category: string) =>
      item.explanation.toLowerCase().includes(category.replace(/_/g, ' ').toLowerCase());
    const users = consentingUsersByHistory(p.data).slice(0, 20);
    let generic = 0;
    let sensitiveGeneric = 0;
    let withCategory = 0;
    for (const userId of users) {
      for (const mode of [PrivacyMode.PERSONALIZED, PrivacyMode.NON_PERSONALIZED]) {
        const response = await p.recommend.recommend(
          recommendRequest(userId, { tenantId: TENANT, region: 'ID-JK', requestedPrivacyMode: mode }, 20),
        );
        expect(response.items.length).toBeGreaterThan(0);
        for (const item of response.items) {
          const category = categoryOf.get(item.itemId)!;
          expect(item.explanation).not.toBe('');
          expect(item.explanation).toContain(item.reasonText);
          expect(item.explanation).not.toContain(userId);
          expect(item.explanation).not.toMatch(/\d/);
          for (const sensitive of reasons.sensitive_categories) expect(mentions(item, sensitive)).toBe(false);
          if (item.reasonCode === reasons.generic.code) {
            generic++;
            if (reasons.sensitive_categories.includes(category)) sensitiveGeneric++;
            expect(mentions(item, category)).toBe(false);
          } else if (mentions(item, category)) withCategory++;
        }
      }
    }
    // Every branch ran: generic reasons (user_two_tower's are always generic), among them on sensitive-category
    // items, and grounded category sentences.
    expect(generic).toBeGreaterThan(0);
    expect(sensitiveGeneric).toBeGreaterThan(0);
    expect(withCategory).toBeGreaterThan(0);
    expect(await metricValue(p.stack.metricsPort('candidate-orchestrator'), 'explanation_rejected_total')).toBe(0);
  });
});
