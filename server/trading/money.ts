// Exact money for the paper broker: decimal.js for every computation, PostgreSQL NUMERIC for storage
// (pg returns it as a string), decimal strings on the wire as Alpaca does ("601.25", never 601.25 as
// a float). Requests may send a JSON number or a decimal string; either is read through its text.
import { Decimal } from 'decimal.js';
import { z } from 'zod';

export { Decimal };

/** Columns hold 6 decimals (NUMERIC(20,6) for prices and quantities, NUMERIC(26,6) for amounts). */
const SCALE = 6;

const DECIMAL_TEXT = /^\d{1,14}(\.\d{1,6})?$/;

/**
 * A positive amount up to `max` with at most 6 decimals, as a JSON number or a decimal string
 * ("10", "10.25"); parsed to its canonical decimal string.
 */
export const PositiveDecimalSchema = (max: number, what: string) =>
  z
    .union([z.number(), z.string().trim()])
    .refine((v) => DECIMAL_TEXT.test(typeof v === 'number' ? String(v) : v), `${what} must be a decimal number with at most 14 integer digits and 6 decimals`)
    .transform((v) => new Decimal(String(v)))
    .refine((d) => d.gt(0) && d.lte(max), `${what} must be above 0 and at most ${max}`)
    .transform((d) => d.toFixed());

/** A decimal on the wire: a string in plain notation, no exponent, no trailing zeros. */
export const DecimalStringSchema = z.string().regex(/^-?\d+(\.\d+)?$/);

/** A stored or computed amount as it goes on the wire. */
export const wire = (value: Decimal.Value): string => new Decimal(value).toFixed();

export const wireOrNull = (value: Decimal.Value | null): string | null => (value === null ? null : wire(value));

/** Rounded to the columns' 6 decimals, half away from zero. */
export const rounded = (value: Decimal): Decimal => value.toDecimalPlaces(SCALE, Decimal.ROUND_HALF_UP);
