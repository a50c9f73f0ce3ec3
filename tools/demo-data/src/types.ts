/** Shapes of the generated demo data. Re-exported from generate.ts, which is the public entry point. */

export interface DemoItem {
  tenantId: string;
  itemId: string;
  title: string;
  category: string;
  creatorId: string;
  tags: string[];
  sensitive: boolean;
  qualityScore: number;
  createdAtMs: number;
}

export interface DemoUser {
  tenantId: string;
  userId: string;
  homeRegion: string;
  /** 1-3 categories, strongest taste first. */
  tasteCategories: string[];
  consentPersonalization: boolean;
  consentTraining: boolean;
}

export type DemoEventType = 'view' | 'click' | 'purchase' | 'hide' | 'dwell';

export interface DemoEvent {
  tenantId: string;
  userId: string;
  itemId: string;
  eventType: DemoEventType;
  timestampMs: number;
  sessionId: string;
  region: string;
}

export interface EditorialEntry {
  tenantId: string;
  surface: string;
  itemId: string;
  position: number;
}

export interface DemoTenantSpec {
  tenantId: string;
  categories: { name: string; sensitive: boolean }[];
  regions: string[];
}

export interface DemoDataOptions {
  seed?: number;
  itemsPerTenant?: number;
  usersPerTenant?: number;
  meanEventsPerUser?: number;
  nowMs?: number;
  tenants?: string[];
}

export interface DemoData {
  tenants: DemoTenantSpec[];
  items: DemoItem[];
  users: DemoUser[];
  events: DemoEvent[];
  editorial: EditorialEntry[];
}
