/**
 * The free-text fields of a generated pin: titles, descriptions, tag lists,
 * poster names and follower counts, in the shapes the course's scraped data
 * has (descriptions cut at 177 characters and ended with "…\u00a0", nine
 * comma-separated tags, follower counts like "998", "12k" or "3M").
 *
 * @module
 */
import type { Random } from "./_random.ts";
import {
  BRAND_ADJECTIVES,
  BRAND_WORDS,
  type CategoryWords,
  DESCRIPTION_CLOSERS,
  EMOJI,
  FIRST_NAMES,
  LAST_NAMES,
  TAG_SUFFIXES,
} from "./_words.ts";

/** The length a scraped description was cut to before "…\u00a0" was added. */
const DESCRIPTION_CUT = 177;

function lower(text: string): string {
  return text.toLowerCase();
}

/** A title for a pin of the given category. */
export function makeTitle(random: Random, words: CategoryWords): string {
  const title = baseTitle(random, words);
  if (!random.chance(0.3)) return title;
  return `${title} - ${random.pick(words.modifiers)} ${random.pick(words.subjects)} ${
    random.pick(TAG_SUFFIXES)
  }`;
}

function baseTitle(random: Random, words: CategoryWords): string {
  const subject = random.pick(words.subjects);
  const modifier = random.pick(words.modifiers);
  const n = random.pick([5, 7, 10, 12, 15, 20, 21, 25, 30, 35, 40, 50]);
  switch (random.int(0, 9)) {
    case 0:
      return `${n} ${modifier} ${subject} Ideas`;
    case 1:
      return `How to ${random.pick(words.actions)}`;
    case 2:
      return `${modifier} ${subject} ${random.pick(EMOJI)}`;
    case 3:
      return `The Best ${subject} for ${random.pick(words.audiences)}`;
    case 4:
      return `${subject}: ${n} ${modifier} Ideas You Will Love`;
    case 5:
      return lower(`${modifier} ${subject}`);
    case 6:
      return `${n} ${subject} Ideas That Are Perfect for ${random.pick(words.audiences)}`;
    case 7:
      return `${modifier} ${subject} | ${random.pick(words.subjects)}`;
    case 8:
      return `How to ${random.pick(words.actions)} (${modifier} ${lower(subject)} guide)`;
    default:
      return `${modifier} ${subject} for ${random.pick(words.audiences)}`;
  }
}

function sentence(random: Random, words: CategoryWords): string {
  const subject = lower(random.pick(words.subjects));
  const modifier = lower(random.pick(words.modifiers));
  const audience = random.pick(words.audiences);
  const action = random.pick(words.actions);
  switch (random.int(0, 8)) {
    case 0:
      return `This ${modifier} ${subject} idea is perfect for ${audience}.`;
    case 1:
      return `Learn how to ${action} with these ${modifier} ${subject} tips.`;
    case 2:
      return `Find the best ${subject} inspiration for ${audience}.`;
    case 3:
      return `Looking for ${modifier} ${subject}? We rounded up our favorites, from ${
        lower(random.pick(words.subjects))
      } to ${lower(random.pick(words.subjects))}.`;
    case 4:
      return `${random.int(5, 60)} ${modifier} ${subject} ideas that will make you smile!`;
    case 5:
      return `Here is everything you need to know to ${action}, step by step.`;
    case 6:
      return `I love how this ${subject} turned out, and it only took an afternoon.`;
    case 7:
      return `Our ${modifier} ${subject} guide covers the basics for ${audience}.`;
    default:
      return random.pick(DESCRIPTION_CLOSERS);
  }
}

/**
 * A description: about 40% are long and were cut by the scraper
 * (177 characters, then "…\u00a0"); the rest are short.
 */
export function makeDescription(random: Random, words: CategoryWords): string {
  if (random.chance(0.4)) {
    let text = sentence(random, words);
    while (text.length <= DESCRIPTION_CUT + 5) text += ` ${sentence(random, words)}`;
    let cut = text.slice(0, DESCRIPTION_CUT);
    if (cut.endsWith(" ")) cut = cut.slice(0, -1);
    return `${cut}…\u00a0`;
  }
  switch (random.int(0, 5)) {
    case 0:
      return `${random.pick(words.modifiers)} ${lower(random.pick(words.subjects))}`;
    case 1:
      return sentence(random, words);
    default:
      return `${sentence(random, words)} ${sentence(random, words)}`;
  }
}

/** A tag list: usually nine distinct tags, comma-separated without spaces. */
export function makeTagList(random: Random, words: CategoryWords): string {
  const count = random.chance(0.01) ? random.int(3, 8) : 9;
  const tags = new Set<string>();
  for (let tries = 0; tags.size < count && tries < 100; tries++) {
    const subject = random.pick(words.subjects);
    switch (random.int(0, 2)) {
      case 0:
        tags.add(subject);
        break;
      case 1:
        tags.add(`${random.pick(words.modifiers)} ${subject}`);
        break;
      default:
        tags.add(`${subject} ${random.pick(TAG_SUFFIXES)}`);
    }
  }
  return [...tags].join(",");
}

/** A poster name (a person, a blog or a brand). */
export function makePosterName(random: Random, words: CategoryWords): string {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const adjective = random.pick(BRAND_ADJECTIVES);
  const word = random.pick(BRAND_WORDS);
  const subject = random.pick(words.subjects);
  switch (random.int(0, 9)) {
    case 0:
    case 1:
      return `${first} ${last}`;
    case 2:
      return `The ${adjective} ${word}`;
    case 3:
      return `${adjective} ${subject} ${word}`;
    case 4:
      return `${first} | ${subject} & ${random.pick(words.subjects)}`;
    case 5:
      return `${first} ${last} | ${random.pick(words.modifiers)} ${subject}`;
    case 6:
      return `${lower(first)}${lower(last).slice(0, random.int(1, 4))}`;
    case 7:
      return `${adjective}${word}.com`;
    case 8:
      return `${subject} by ${first}`;
    default:
      return first;
  }
}

/** Quantile knots (probability, value) of plain follower counts. */
const PLAIN_KNOTS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.1, 5],
  [0.2, 20],
  [0.3, 35],
  [0.4, 80],
  [0.5, 150],
  [0.6, 210],
  [0.7, 310],
  [0.8, 440],
  [0.9, 730],
  [1, 998],
];

/** Quantile knots of the n in "<n>k" follower counts. */
const THOUSAND_KNOTS: readonly (readonly [number, number])[] = [
  [0, 1],
  [0.1, 4],
  [0.2, 7],
  [0.3, 14],
  [0.4, 26],
  [0.5, 42],
  [0.6, 71],
  [0.7, 130],
  [0.8, 240],
  [0.9, 500],
  [1, 991],
];

/** Weights of the n in "<n>M" follower counts, n = 1..15. */
const MILLION_WEIGHTS: readonly number[] = [
  30,
  25,
  12,
  10,
  10,
  4,
  3,
  3,
  1,
  1,
  0.5,
  0.5,
  0.3,
  0.3,
  0.4,
];

function fromKnots(random: Random, knots: readonly (readonly [number, number])[]): number {
  const p = random.float();
  for (let i = 1; i < knots.length; i++) {
    const [p1, v1] = knots[i] as readonly [number, number];
    const [p0, v0] = knots[i - 1] as readonly [number, number];
    if (p <= p1) return Math.round(v0 + ((p - p0) / (p1 - p0)) * (v1 - v0));
  }
  return (knots[knots.length - 1] as readonly [number, number])[1];
}

/**
 * A follower count as the scraper wrote it: "0".."998", "<n>k" or "<n>M".
 * `popular` posters (the few that post most) have more followers.
 */
export function makeFollowerCount(random: Random, popular: boolean): string {
  const r = random.float();
  if (popular) {
    if (r < 0.3) return `${weightedMillions(random)}M`;
    return `${random.int(100, 991)}k`;
  }
  if (r < 0.19) return String(fromKnots(random, PLAIN_KNOTS));
  if (r < 0.24) return `${weightedMillions(random)}M`;
  return `${fromKnots(random, THOUSAND_KNOTS)}k`;
}

function weightedMillions(random: Random): number {
  const total = MILLION_WEIGHTS.reduce((a, b) => a + b, 0);
  let target = random.float() * total;
  for (let i = 0; i < MILLION_WEIGHTS.length; i++) {
    target -= MILLION_WEIGHTS[i] as number;
    if (target < 0) return i + 1;
  }
  return MILLION_WEIGHTS.length;
}

/**
 * A follower count one step away from `count` ("647k" -> "648k"), as the
 * scraper saw when a count changed between two pins of the same poster.
 */
export function driftFollowerCount(random: Random, count: string): string {
  const match = /^(\d+)k$/.exec(count);
  if (!match) return count;
  const n = Number(match[1]);
  const next = n + (random.chance(0.5) ? 1 : -1);
  return next >= 1 && next <= 991 ? `${next}k` : count;
}
