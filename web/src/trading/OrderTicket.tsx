// The paper-order ticket for the workspace's ticker. Each submission carries a clientOrderId
// that is kept until the order is accepted, so a double click or a retry never trades twice.
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { formatMoney, formatPrice } from '../app/format';
import { InlineError, describeError } from '../app/states';
import { useTRPC, type RouterInputs } from '../trpc';

type Order = RouterInputs['trading']['execute'];
type Side = Order['side'];
type OrderType = NonNullable<Order['type']>;

export function OrderTicket({ ticker, lastPrice }: { ticker: string; lastPrice: number | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [side, setSide] = useState<Side>('BUY');
  const [quantity, setQuantity] = useState('10');
  const [orderType, setOrderType] = useState<OrderType>('MARKET');
  const [limitPrice, setLimitPrice] = useState('');
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
  const limit = Number(limitPrice || lastPrice || 0);
  const valid = Number.isFinite(qty) && qty > 0 && (orderType === 'MARKET' || limit > 0);
  const estimate = valid ? qty * (orderType === 'LIMIT' ? limit : (lastPrice ?? 0)) : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    execute.mutate({ ticker, side, quantity: qty, type: orderType, limitPrice: orderType === 'LIMIT' ? limit : undefined, clientOrderId, strategy: 'Manual' });
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
          <input className="input num" type="number" min="0" step="any" inputMode="decimal" value={quantity} onChange={(e) => setQuantity(e.target.value)} required />
        </label>
        <label className="field">
          Order type
          <select className="select" value={orderType} onChange={(e) => setOrderType(e.target.value as OrderType)}>
            <option value="MARKET">Market</option>
            <option value="LIMIT">Limit</option>
          </select>
        </label>
        {orderType === 'LIMIT' && (
          <label className="field">
            Limit price
            <input
              className="input num"
              type="number"
              min="0"
              step="0.01"
              value={limitPrice}
              placeholder={lastPrice ? lastPrice.toFixed(2) : ''}
              onChange={(e) => setLimitPrice(e.target.value)}
            />
          </label>
        )}
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
      <p className="ticket-note muted">Paper trading: fills at the newest bar's close.</p>
    </form>
  );
}
