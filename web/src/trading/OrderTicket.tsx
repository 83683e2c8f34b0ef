// The paper-order ticket for the workspace's ticker. Each submission carries a clientOrderId
// that is kept until the order is accepted, so a double click or a retry never trades twice.
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { formatMoney, formatPrice } from '../app/format';
import { InlineError, describeError } from '../app/states';
import { useTRPC, type RouterInputs } from '../trpc';

type Order = RouterInputs['trading']['execute'];
type Side = Order['side'];
type OrderType = 'MARKET' | 'LIMIT' | 'STOP' | 'STOP_LIMIT';
type TimeInForce = 'DAY' | 'GTC' | 'IOC' | 'FOK';

const TYPE_LABELS: Record<OrderType, string> = { MARKET: 'Market', LIMIT: 'Limit', STOP: 'Stop', STOP_LIMIT: 'Stop limit' };
const hasLimit = (t: OrderType) => t === 'LIMIT' || t === 'STOP_LIMIT';
const hasStop = (t: OrderType) => t === 'STOP' || t === 'STOP_LIMIT';

export function OrderTicket({ ticker, lastPrice }: { ticker: string; lastPrice: number | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [side, setSide] = useState<Side>('BUY');
  const [quantity, setQuantity] = useState('10');
  const [orderType, setOrderType] = useState<OrderType>('MARKET');
  const [limitPrice, setLimitPrice] = useState('');
  const [stopPrice, setStopPrice] = useState('');
  const [timeInForce, setTimeInForce] = useState<TimeInForce>('DAY');
  const [clientOrderId, setClientOrderId] = useState(() => crypto.randomUUID());

  const execute = useMutation(
    trpc.trading.execute.mutationOptions({
      onSuccess: async () => {
        setClientOrderId(crypto.randomUUID());
        await queryClient.invalidateQueries({ queryKey: trpc.trading.pathKey() });
      },
    }),
  );

  const qty = Number(quantity);
  // Prices go to the API as the decimal text typed (exact); numbers only for the estimate.
  const limitText = limitPrice || (lastPrice ? String(lastPrice) : '');
  const stopText = stopPrice || (lastPrice ? String(lastPrice) : '');
  const valid = Number.isFinite(qty) && qty > 0 && (!hasLimit(orderType) || Number(limitText) > 0) && (!hasStop(orderType) || Number(stopText) > 0);
  const reference = hasLimit(orderType) ? Number(limitText) : hasStop(orderType) ? Number(stopText) : (lastPrice ?? 0);
  const estimate = valid ? qty * reference : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    execute.mutate({
      ticker,
      side,
      quantity,
      type: orderType,
      timeInForce,
      limitPrice: hasLimit(orderType) ? limitText : undefined,
      stopPrice: hasStop(orderType) ? stopText : undefined,
      clientOrderId,
      strategy: 'Manual',
    });
  };

  const result = execute.data;
  return (
    <form className="ticket" onSubmit={submit} aria-label="Order ticket">
      <div className="segmented ticket-side" role="radiogroup" aria-label="Side">
        {(['BUY', 'SELL'] as const).map((s) => (
          <button key={s} type="button" role="radio" aria-checked={side === s} className={s.toLowerCase()} onClick={() => setSide(s)}>
            {s === 'BUY' ? 'Buy' : 'Sell'}
          </button>
        ))}
      </div>
      <div className="ticket-grid">
        <label className="field">
          Quantity
          <input
            className="input num"
            type="number"
            min="0"
            step="any"
            inputMode="decimal"
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            required
          />
        </label>
        <label className="field">
          Order type
          <select className="select" value={orderType} onChange={(e) => setOrderType(e.target.value as OrderType)}>
            {(Object.keys(TYPE_LABELS) as OrderType[]).map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Time in force
          <select className="select" value={timeInForce} onChange={(e) => setTimeInForce(e.target.value as TimeInForce)}>
            {(['DAY', 'GTC', 'IOC', 'FOK'] as const).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {hasStop(orderType) && <PriceField label="Stop price" value={stopPrice} lastPrice={lastPrice} onChange={setStopPrice} />}
        {hasLimit(orderType) && <PriceField label="Limit price" value={limitPrice} lastPrice={lastPrice} onChange={setLimitPrice} />}
        <div className="field">
          Est. value
          <span className="num ticket-estimate">{formatMoney(estimate)}</span>
        </div>
      </div>
      <button type="submit" className={`btn ${side === 'BUY' ? 'buy' : 'sell'} ticket-submit`} disabled={!valid || execute.isPending}>
        {execute.isPending ? 'Sending…' : `${side === 'BUY' ? 'Buy' : 'Sell'} ${valid ? qty : ''} ${ticker}`}
      </button>
      <div className="ticket-result" role="status" aria-live="polite">
        {execute.isError && <InlineError>{describeError(execute.error)}</InlineError>}
        {result && (
          <span className={result.order.status === 'FILLED' ? 'up' : result.order.status === 'NEW' ? '' : 'down'}>
            {result.order.status === 'FILLED'
              ? `Filled ${result.order.side} ${result.order.quantity} ${result.order.ticker} @ ${formatPrice(Number(result.order.price))}`
              : `${result.order.status}: ${result.order.side} ${result.order.quantity} ${result.order.ticker}${result.order.statusReason ? ` (${result.order.statusReason})` : ''}`}
          </span>
        )}
      </div>
      <p className="ticket-note muted">Paper trading: market orders fill at the newest bar's close; resting orders on later bars.</p>
    </form>
  );
}

/** A price input; empty means the last price, shown as its placeholder. */
function PriceField({ label, value, lastPrice, onChange }: { label: string; value: string; lastPrice: number | null; onChange: (value: string) => void }) {
  return (
    <label className="field">
      {label}
      <input
        className="input num"
        type="number"
        min="0"
        step="0.01"
        value={value}
        placeholder={lastPrice ? lastPrice.toFixed(2) : ''}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
