// FEATURE_CATALOG: the single documented list of every feature computeFeatureRows emits.
// `warmup` = number of leading bars that are null (= index of the first value, TA-Lib's
// "lookback") on a history that starts at bar 0 with no degenerate data. index.test.ts checks
// every entry against the computed output, so this table cannot drift from the code.

type FeatureStorage = 'column' | 'bag';

export interface FeatureCatalogEntry {
  /** 'column' = dedicated DB column (Feature model), 'bag' = key of the `features` JSON bag. */
  storage: FeatureStorage;
  formula: string;
  params: Readonly<Record<string, number | string>>;
  /** Leading null bars (index of the first value). */
  warmup: number;
  /** Convention / reference notes (seeding, zero-denominator rule, which library it matches). */
  convention: string;
}

/**
 * The plan's Feature columns, in Feature-model order. One name everywhere: the Prisma field, the
 * database column, FeatureRow.columns and the API.
 */
export const FEATURE_COLUMNS = [
  'sma_20',
  'sma_50',
  'sma_200',
  'ema_12',
  'ema_26',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_hist',
  'stoch_k',
  'stoch_d',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'atr_14',
  'volume_sma_20',
  'obv',
  'high_low_ratio',
  'close_open_ratio',
] as const;

export type FeatureColumnName = (typeof FEATURE_COLUMNS)[number];

/** Keys of the JSON bag, in emission order. */
export const BAG_KEYS = [
  'wma_20',
  'cci_20',
  'willr_14',
  'roc_10',
  'mfi_14',
  'adx_14',
  'plus_di_14',
  'minus_di_14',
  'dx_14',
  'ultosc_7_14_28',
  'natr_14',
  'true_range',
  'keltner_upper',
  'keltner_middle',
  'keltner_lower',
  'donchian_upper_20',
  'donchian_lower_20',
  'donchian_middle_20',
  'return_1',
  'return_5',
  'return_10',
  'return_20',
  'log_return_1',
  'log_return_5',
  'log_return_20',
  'volatility_20',
  'zscore_20',
  'bb_width',
  'bb_percent_b',
  'stoch_rsi_k',
  'stoch_rsi_d',
  'stochf_k_14',
  'vwap_session',
  'vwap_distance',
  'volume_ratio_20',
] as const;

export type FeatureBagKey = (typeof BAG_KEYS)[number];
export type FeatureName = FeatureColumnName | FeatureBagKey;

const TALIB = 'TA-Lib (default compatibility, unstable period 0, computed from bar 0)';
const col = (e: Omit<FeatureCatalogEntry, 'storage'>): FeatureCatalogEntry => ({ storage: 'column', ...e });
const bag = (e: Omit<FeatureCatalogEntry, 'storage'>): FeatureCatalogEntry => ({ storage: 'bag', ...e });

export const FEATURE_CATALOG: Readonly<Record<FeatureName, FeatureCatalogEntry>> = {
  // ---------------------------------------------------------------- DB columns
  sma_20: col({ formula: 'mean(close[t-19..t])', params: { period: 20 }, warmup: 19, convention: `${TALIB} SMA` }),
  sma_50: col({ formula: 'mean(close[t-49..t])', params: { period: 50 }, warmup: 49, convention: `${TALIB} SMA` }),
  sma_200: col({ formula: 'mean(close[t-199..t])', params: { period: 200 }, warmup: 199, convention: `${TALIB} SMA` }),
  ema_12: col({
    formula: 'ema[11] = mean(close[0..11]); ema[t] = ema[t-1] + k*(close[t] - ema[t-1]), k = 2/13',
    params: { period: 12 },
    warmup: 11,
    convention: `${TALIB} EMA (SMA seed). Standalone EMA: differs slightly from the MACD fast line early on (MACD seeds its own fast EMA)`,
  }),
  ema_26: col({
    formula: 'ema[25] = mean(close[0..25]); ema[t] = ema[t-1] + k*(close[t] - ema[t-1]), k = 2/27',
    params: { period: 26 },
    warmup: 25,
    convention: `${TALIB} EMA (SMA seed)`,
  }),
  rsi_14: col({
    formula: 'Wilder: avgGain/avgLoss[14] = mean of changes 1..14; avg = (avg*13 + x)/14; RSI = 100*avgGain/(avgGain+avgLoss)',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} RSI (Wilder SMA seed); 0 when avgGain+avgLoss = 0 (flat prices)`,
  }),
  macd: col({
    formula: 'EMA12 - EMA26, both seeded at bar 25: slow = mean(close[0..25]), fast = mean(close[14..25])',
    params: { fast: 12, slow: 26, signal: 9 },
    warmup: 33,
    convention: `${TALIB} MACD: fast and slow EMAs start together; emitted from bar 33 together with the signal`,
  }),
  macd_signal: col({
    formula: 'EMA9 of the MACD line, seeded with mean(macd[25..33])',
    params: { fast: 12, slow: 26, signal: 9 },
    warmup: 33,
    convention: `${TALIB} MACD`,
  }),
  macd_hist: col({ formula: 'macd - macd_signal', params: { fast: 12, slow: 26, signal: 9 }, warmup: 33, convention: `${TALIB} MACD` }),
  stoch_k: col({
    formula: 'slow %K = SMA3(raw %K14), raw %K = 100*(close - LL14)/(HH14 - LL14)',
    params: { fastK: 14, slowK: 3, slowKMa: 'SMA', slowD: 3, slowDMa: 'SMA' },
    warmup: 17,
    convention: `${TALIB} STOCH (slow stochastic); raw %K = 0 when HH14 = LL14; %K is emitted from bar 17 together with %D (TA-Lib alignment)`,
  }),
  stoch_d: col({
    formula: 'SMA3(slow %K)',
    params: { fastK: 14, slowK: 3, slowKMa: 'SMA', slowD: 3, slowDMa: 'SMA' },
    warmup: 17,
    convention: `${TALIB} STOCH`,
  }),
  bb_upper: col({ formula: 'SMA20 + 2*popStdev20(close)', params: { period: 20, nbDevUp: 2 }, warmup: 19, convention: `${TALIB} BBANDS, population stdev (divide by N)` }),
  bb_middle: col({ formula: 'SMA20(close)', params: { period: 20 }, warmup: 19, convention: `${TALIB} BBANDS (== sma_20)` }),
  bb_lower: col({ formula: 'SMA20 - 2*popStdev20(close)', params: { period: 20, nbDevDn: 2 }, warmup: 19, convention: `${TALIB} BBANDS, population stdev (divide by N)` }),
  atr_14: col({
    formula: 'TR = max(H-L, |H-C[t-1]|, |L-C[t-1]|); atr[14] = mean(TR[1..14]); atr = (atr*13 + TR)/14',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} ATR (Wilder); StockCharts seeds with TR[0] = H-L at bar 13 instead (atr(..., {seed:'stockcharts'}))`,
  }),
  volume_sma_20: col({ formula: 'mean(volume[t-19..t])', params: { period: 20 }, warmup: 19, convention: 'SMA of volume' }),
  obv: col({
    formula: 'obv[0] = volume[0]; obv += volume if close > prev close, -= volume if lower, unchanged if equal',
    params: {},
    warmup: 0,
    convention: `${TALIB} OBV; the level depends on the first stored bar, only differences are meaningful`,
  }),
  high_low_ratio: col({ formula: 'high / low', params: {}, warmup: 0, convention: 'null when low = 0' }),
  close_open_ratio: col({ formula: 'close / open', params: {}, warmup: 0, convention: 'null when open = 0' }),

  // ---------------------------------------------------------------- JSON bag
  wma_20: bag({ formula: 'sum_{i=0..19} (20-i)*close[t-i] / 210', params: { period: 20 }, warmup: 19, convention: `${TALIB} WMA` }),
  cci_20: bag({
    formula: 'TP = (H+L+C)/3; (TP - SMA20(TP)) / (0.015 * meanAbsDev20(TP))',
    params: { period: 20 },
    warmup: 19,
    convention: `${TALIB} CCI; 0 when TP = SMA or mean deviation = 0`,
  }),
  willr_14: bag({ formula: '-100*(HH14 - close)/(HH14 - LL14)', params: { period: 14 }, warmup: 13, convention: `${TALIB} WILLR; 0 when HH14 = LL14` }),
  roc_10: bag({ formula: '100*(close/close[t-10] - 1)', params: { period: 10 }, warmup: 10, convention: `${TALIB} ROC; 0 when close[t-10] = 0` }),
  mfi_14: bag({
    formula: 'TP = (H+L+C)/3; flow = TP*volume, + if TP rose, - if TP fell; 100*pos14/(pos14+neg14)',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} MFI (current semantics: no magnitude threshold, empty window -> 0)`,
  }),
  adx_14: bag({
    formula: 'adx[27] = mean(DX[14..27]); adx = (adx*13 + DX)/14',
    params: { period: 14 },
    warmup: 27,
    convention: `${TALIB} ADX (Wilder); undefined DX leaves ADX unchanged`,
  }),
  plus_di_14: bag({
    formula: '100 * WilderSum14(+DM) / WilderSum14(TR); sums start as plain sums over bars 1..13',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} PLUS_DI; 0 when the smoothed TR is 0`,
  }),
  minus_di_14: bag({
    formula: '100 * WilderSum14(-DM) / WilderSum14(TR)',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} MINUS_DI; 0 when the smoothed TR is 0`,
  }),
  dx_14: bag({
    formula: '100*|+DI - -DI|/(+DI + -DI)',
    params: { period: 14 },
    warmup: 14,
    convention: `${TALIB} DX; when undefined: 0 at the first bar, else the previous DX`,
  }),
  ultosc_7_14_28: bag({
    formula: 'BP = C - min(L, C[t-1]); TR = max(H, C[t-1]) - min(L, C[t-1]); 100*(4*A7 + 2*A14 + A28)/7, A_p = sumBP_p/sumTR_p',
    params: { p1: 7, p2: 14, p3: 28 },
    warmup: 28,
    convention: `${TALIB} ULTOSC; a term with sumTR = 0 contributes 0`,
  }),
  natr_14: bag({ formula: '100 * ATR14 / close', params: { period: 14 }, warmup: 14, convention: `${TALIB} NATR; 0 when close = 0` }),
  true_range: bag({ formula: 'max(H-L, |H-C[t-1]|, |L-C[t-1]|)', params: {}, warmup: 1, convention: `${TALIB} TRANGE (no value at bar 0)` }),
  keltner_upper: bag({ formula: 'EMA20(close) + 2*ATR10', params: { emaPeriod: 20, atrPeriod: 10, mult: 2 }, warmup: 19, convention: 'TA-Lib EMA (SMA seed) + TA-Lib Wilder ATR' }),
  keltner_middle: bag({ formula: 'EMA20(close)', params: { emaPeriod: 20 }, warmup: 19, convention: 'TA-Lib EMA (SMA seed)' }),
  keltner_lower: bag({ formula: 'EMA20(close) - 2*ATR10', params: { emaPeriod: 20, atrPeriod: 10, mult: 2 }, warmup: 19, convention: 'TA-Lib EMA (SMA seed) + TA-Lib Wilder ATR' }),
  donchian_upper_20: bag({ formula: 'max(high[t-19..t])', params: { period: 20 }, warmup: 19, convention: 'includes the current bar' }),
  donchian_lower_20: bag({ formula: 'min(low[t-19..t])', params: { period: 20 }, warmup: 19, convention: 'includes the current bar' }),
  donchian_middle_20: bag({ formula: '(donchian_upper_20 + donchian_lower_20)/2', params: { period: 20 }, warmup: 19, convention: 'includes the current bar' }),
  return_1: bag({ formula: 'close/close[t-1] - 1', params: { k: 1 }, warmup: 1, convention: 'simple return (fraction); null when the base is 0' }),
  return_5: bag({ formula: 'close/close[t-5] - 1', params: { k: 5 }, warmup: 5, convention: 'simple return (fraction); null when the base is 0' }),
  return_10: bag({ formula: 'close/close[t-10] - 1', params: { k: 10 }, warmup: 10, convention: 'simple return (fraction); null when the base is 0' }),
  return_20: bag({ formula: 'close/close[t-20] - 1', params: { k: 20 }, warmup: 20, convention: 'simple return (fraction); null when the base is 0' }),
  log_return_1: bag({ formula: 'ln(close/close[t-1])', params: { k: 1 }, warmup: 1, convention: 'null unless both prices > 0' }),
  log_return_5: bag({ formula: 'ln(close/close[t-5])', params: { k: 5 }, warmup: 5, convention: 'null unless both prices > 0' }),
  log_return_20: bag({ formula: 'ln(close/close[t-20])', params: { k: 20 }, warmup: 20, convention: 'null unless both prices > 0' }),
  volatility_20: bag({
    formula: 'popStdev(log_return_1[t-19..t])',
    params: { period: 20 },
    warmup: 20,
    convention: 'population stdev (divide by N), per bar, not annualized',
  }),
  zscore_20: bag({ formula: '(close - SMA20)/popStdev20(close)', params: { period: 20 }, warmup: 19, convention: 'null when the stdev is 0' }),
  bb_width: bag({ formula: '(bb_upper - bb_lower)/bb_middle', params: { period: 20, nbDev: 2 }, warmup: 19, convention: 'null when bb_middle = 0' }),
  bb_percent_b: bag({ formula: '(close - bb_lower)/(bb_upper - bb_lower)', params: { period: 20, nbDev: 2 }, warmup: 19, convention: 'null when the bands have collapsed (stdev 0)' }),
  stoch_rsi_k: bag({
    formula: '100*(RSI14 - min14(RSI14))/(max14(RSI14) - min14(RSI14))',
    params: { rsiPeriod: 14, fastK: 14, fastD: 3, fastDMa: 'SMA' },
    warmup: 29,
    convention: `${TALIB} STOCHRSI (STOCHF on RSI); 0 when max = min; emitted together with %D`,
  }),
  stoch_rsi_d: bag({ formula: 'SMA3(stoch_rsi_k)', params: { rsiPeriod: 14, fastK: 14, fastD: 3, fastDMa: 'SMA' }, warmup: 29, convention: `${TALIB} STOCHRSI` }),
  stochf_k_14: bag({ formula: '100*(close - LL14)/(HH14 - LL14)', params: { period: 14 }, warmup: 13, convention: 'raw (fast) %K = StockCharts %K; 0 when HH14 = LL14' }),
  vwap_session: bag({
    formula: 'sum(TP*volume)/sum(volume) since the first bar of the session, TP = (H+L+C)/3',
    params: { session: 'America/New_York calendar date (override with sessionKey)' },
    warmup: 0,
    convention: 'resets at New York midnight; null while the session volume is 0; equals TP on daily bars',
  }),
  vwap_distance: bag({ formula: 'close/vwap_session - 1', params: {}, warmup: 0, convention: 'null when vwap_session is null or 0' }),
  volume_ratio_20: bag({ formula: 'volume / volume_sma_20', params: { period: 20 }, warmup: 19, convention: 'null when volume_sma_20 = 0' }),
};
