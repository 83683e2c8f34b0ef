// GET /api/datasets/export: a training dataset as a file (Arrow IPC stream, Parquet, CSV or JSON
// Lines), streamed while PostgreSQL sends the rows, so memory stays flat however large it is. The
// REST adapter cannot stream a file, so this route is served here, beside it: the same scope check
// as the procedures (accessError), the same zod schema as datasets.preview, errors through the one
// mapper (the app's error handler), and its operation added to the OpenAPI document by hand
// (datasetExportOperation). A failure after the first byte cuts the file short, which the client
// sees as an incomplete body, never as a shorter, complete-looking file.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TRPCError } from '@trpc/server';
import { Router } from 'express';
import { z } from 'zod';
import { DatasetExportQuerySchema, EXPORT_FORMATS } from '../datasets/schema';
import { FORMATS } from '../datasets/formats';
import type { Services } from '../services';
import { accessError } from '../trpc';
import type { AuthenticatedRequest } from './authenticate';

const DATASET_EXPORT_SCOPE = 'market:read';

export function datasetExportRoute(services: Pick<Services, 'datasets'>): Router {
  return Router().get('/api/datasets/export', async (req, res, next) => {
    const { principal, authError } = req as AuthenticatedRequest;
    let file;
    try {
      const denied = accessError(principal ?? null, authError ?? null, DATASET_EXPORT_SCOPE);
      if (denied) throw denied;
      const input = DatasetExportQuerySchema.safeParse(req.query);
      if (!input.success) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input', cause: input.error });
      file = await services.datasets.export(input.data.definition, input.data.format);
    } catch (error) {
      return next(error);
    }
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(Readable.from(file.chunks, { objectMode: false }), res);
    } catch (error) {
      req.log.warn({ err: error }, 'dataset export ended early');
    } finally {
      await file.close();
    }
  });
}

/** The export's entry in the OpenAPI document: parameters from the zod schema, one response per format. */
export function datasetExportOperation(): Record<string, unknown> {
  const query = z.toJSONSchema(DatasetExportQuerySchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { description?: string }>;
    required?: string[];
  };
  const error = { description: '`{ success: false, error, details? }`', content: { 'application/json': { schema: { $ref: '#/components/schemas/error.BAD_REQUEST' } } } };
  return {
    get: {
      operationId: 'datasets-export',
      summary: 'Export a training dataset as a file: Arrow IPC stream, Parquet, CSV or JSON Lines (streamed)',
      description:
        'Columns: ticker, timestamp, the features, label, split. The same definition as GET /datasets/preview; ' +
        'rows whose label window crosses a split boundary are purged, the first `horizon` bars after a boundary embargoed, ' +
        'rows whose label window crosses a data gap dropped. Needs the market:read scope.',
      tags: ['datasets'],
      security: [{ apiKey: [] }],
      parameters: Object.entries(query.properties).map(([name, schema]) => ({
        in: 'query',
        name,
        required: query.required?.includes(name) ?? false,
        description: schema.description,
        // Coerced dates have no JSON Schema of their own: on the wire they are ISO-8601 strings.
        schema: name === 'from' || name === 'to' ? { ...schema, type: 'string', format: 'date-time' } : schema,
      })),
      responses: {
        200: {
          description: 'The file (Content-Disposition: attachment)',
          content: Object.fromEntries(EXPORT_FORMATS.map((f) => [FORMATS[f].contentType.split(';')[0]!, { schema: { type: 'string', format: 'binary' } }])),
        },
        400: error,
        401: error,
        403: error,
      },
    },
  };
}
