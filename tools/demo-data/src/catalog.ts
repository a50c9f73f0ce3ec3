/**
 * Static vocabulary of the two demo tenants: categories, title words, tags and regions. Pure data, so the
 * generator code stays about distributions rather than word lists.
 */
import type { DemoTenantSpec } from './types';

/**
 * A deliberately tiny region (about 5 home users per tenant, and never a travel destination). Aggregates
 * keyed by region must hide it under a k = 10 distinct-users threshold, so the demo exercises that path.
 */
export const SMALL_REGION = 'ID-PA';
/** How many users live in SMALL_REGION (fewer for very small user counts). */
export const SMALL_REGION_USERS = 5;

/** Category names that other code treats as sensitive; both tenants use exactly these literals. */
export const SENSITIVE_CATEGORIES = ['health', 'finance', 'religion', 'politics'] as const;

export interface CategoryVocab {
  name: string;
  sensitive: boolean;
  /** Relative share of the catalog and of users' tastes. */
  weight: number;
  nouns: string[];
  tags: string[];
}

export interface TenantCatalog {
  tenantId: string;
  /** Id prefix: `r-item-00042`, `m-user-00007`, ... */
  prefix: string;
  adjectives: string[];
  categories: CategoryVocab[];
  /** Home-region weights of the big regions; SMALL_REGION is assigned separately. */
  regionWeights: Record<string, number>;
}

/** Word lists are written as comma-separated strings to keep the tables compact. */
const list = (words: string): string[] => words.split(',').map((w) => w.trim());

const cat = (name: string, weight: number, nouns: string, tags: string): CategoryVocab => ({
  name,
  sensitive: (SENSITIVE_CATEGORIES as readonly string[]).includes(name),
  weight,
  nouns: list(nouns),
  tags: list(tags),
});

const RETAIL: TenantCatalog = {
  tenantId: 'demo-retail',
  prefix: 'r',
  adjectives: list(
    'Compact, Premium, Classic, Everyday, Eco-Friendly, Deluxe, Essential, Smart, Portable, Pro, Lightweight, ' +
      'Vintage, Handmade, Family-Size',
  ),
  categories: [
    cat(
      'electronics',
      1.4,
      'Headphones, Smartphone, Laptop, Smartwatch, Bluetooth Speaker, Power Bank, Tablet, Webcam',
      'audio, mobile, wireless, gadgets, computing, wearables, accessories',
    ),
    cat(
      'home_kitchen',
      1.2,
      "Rice Cooker, Chef's Knife, Air Fryer, Cookware Set, Bedsheet Set, Storage Box, Blender, Desk Lamp",
      'kitchen, cookware, decor, storage, appliances, bedding',
    ),
    cat(
      'fashion',
      1.3,
      'Batik Shirt, Sneakers, Denim Jacket, Hijab, Backpack, Sundress, Chinos, Wristwatch',
      'menswear, womenswear, footwear, accessories, modest_wear, casual',
    ),
    cat(
      'sports',
      0.9,
      'Yoga Mat, Running Shoes, Badminton Racket, Football, Dumbbell Set, Cycling Helmet, Swim Goggles',
      'fitness, running, badminton, football, cycling, outdoor',
    ),
    cat(
      'books',
      0.8,
      'Novel, Cookbook, Travel Guide, Comic Omnibus, Poetry Collection, Biography, Textbook',
      'fiction, nonfiction, comics, education, bestseller',
    ),
    cat(
      'toys',
      0.7,
      'Building Blocks, Jigsaw Puzzle, Plush Toy, RC Car, Board Game, Doll House',
      'kids, educational, puzzles, games, collectibles',
    ),
    cat(
      'beauty',
      1.0,
      'Face Serum, Sunscreen, Lipstick, Sheet Mask, Shampoo, Perfume',
      'skincare, makeup, haircare, fragrance, halal_certified',
    ),
    cat(
      'groceries',
      1.1,
      'Instant Noodles, Coffee Beans, Sambal, Jasmine Rice, Green Tea, Snack Box',
      'pantry, beverages, snacks, spices, organic',
    ),
    cat(
      'health',
      0.35,
      'Multivitamin, Fish Oil Capsules, Blood Pressure Monitor, Protein Powder, Probiotic, Herbal Jamu',
      'health_supplements, vitamins, medical_devices, wellness',
    ),
    cat(
      'finance',
      0.25,
      'Budget Planner, Investing Handbook, Money Clip, Cash Envelope Wallet, Retirement Workbook',
      'personal_finance, budgeting, investing',
    ),
    cat('religion', 0.3, 'Prayer Mat, Quran Stand, Rosary, Incense Set, Prayer Beads, Study Bible', 'religious_goods, prayer, devotional'),
    cat(
      'politics',
      0.2,
      'Political Memoir, Policy Analysis, Election History, Constitution Pocketbook',
      'political_books, current_affairs, history',
    ),
  ],
  regionWeights: { 'ID-JK': 0.32, 'ID-JB': 0.25, 'ID-BA': 0.08, 'SG-01': 0.15, 'MY-14': 0.14, 'US-CA': 0.06 },
};

const MEDIA: TenantCatalog = {
  tenantId: 'demo-media',
  prefix: 'm',
  adjectives: list(
    "Essential, Ultimate, Weekly, Definitive, Untold, Quick, In-Depth, Complete, Late-Night, Beginner's, " + 'Exclusive, Live',
  ),
  categories: [
    cat(
      'news',
      1.4,
      'Morning Briefing, City Report, Market Update, Weather Outlook, Investigation, Explainer',
      'local, world, business, breaking, explainer',
    ),
    cat(
      'sports',
      1.2,
      'Match Highlights, Transfer Roundup, Badminton Final, Race Recap, Player Interview, Tactics Breakdown',
      'football, badminton, motorsport, highlights, analysis',
    ),
    cat(
      'movies',
      1.1,
      'Trailer Breakdown, Film Review, Director Interview, Box Office Report, Classic Revisited',
      'reviews, trailers, indie, blockbuster, streaming',
    ),
    cat('music', 1.0, 'Live Session, Album Review, Playlist, Artist Interview, Concert Recap', 'pop, indie, dangdut, kpop, live'),
    cat(
      'gaming',
      0.9,
      'Walkthrough, Patch Notes Recap, Esports Final, Game Review, Speedrun',
      'esports, mobile_games, reviews, pc, console',
    ),
    cat(
      'cooking',
      0.8,
      'Nasi Goreng Recipe, Weeknight Dinner, Baking Tutorial, Street Food Tour, Sambal Masterclass',
      'recipes, quick_meals, baking, street_food, vegetarian',
    ),
    cat(
      'travel',
      0.7,
      'Island Guide, City Walk, Budget Itinerary, Hidden Beach Tour, Food Trail',
      'itineraries, budget, beaches, cities, backpacking',
    ),
    cat(
      'science',
      0.6,
      'Space Explainer, Climate Report, Volcano Documentary, Biology Short, Tech Deep Dive',
      'space, climate, biology, physics, technology',
    ),
    cat(
      'health',
      0.4,
      'Sleep Guide, Nutrition Explainer, Mental Health Talk, Fitness Routine, Diabetes Q&A',
      'wellness, nutrition, mental_health, medical',
    ),
    cat(
      'finance',
      0.35,
      'Investing Basics, Budget Challenge, Market Explainer, Crypto Primer, Retirement Plan',
      'personal_finance, investing, budgeting',
    ),
    cat('religion', 0.25, 'Ramadan Special, Sermon, Faith Documentary, Interfaith Dialogue', 'faith, spirituality, religious_holidays'),
    cat(
      'politics',
      0.45,
      'Election Debate, Policy Explainer, Parliament Recap, Campaign Trail, Opinion Column',
      'elections, policy, opinion, government',
    ),
  ],
  regionWeights: { 'ID-JK': 0.22, 'SG-01': 0.12, 'MY-14': 0.1, 'US-CA': 0.2, 'US-NY': 0.18, 'DE-BE': 0.18 },
};

export const TENANT_CATALOGS: readonly TenantCatalog[] = [RETAIL, MEDIA];

/** The public, vocabulary-free view of a tenant (a fresh copy, so callers cannot mutate the catalog). */
export function tenantSpec(catalog: TenantCatalog): DemoTenantSpec {
  return {
    tenantId: catalog.tenantId,
    categories: catalog.categories.map(({ name, sensitive }) => ({ name, sensitive })),
    regions: [...Object.keys(catalog.regionWeights), SMALL_REGION],
  };
}
