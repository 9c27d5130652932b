/** `/docs`: a browsable reference rendered from the OpenAPI document itself (no external assets). */
import type { OpenAPIObject, OperationObject } from 'openapi3-ts/oas31';

type Op = { method: string; path: string; summary?: string; tags?: string[]; schemaRef?: string; params: string[] };

function operations(doc: OpenAPIObject): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = (item as Record<string, OperationObject | undefined>)[method];
      if (!op) continue;
      const content = (op.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined)
        ?.content;
      const body = content?.['application/json']?.schema?.$ref;
      const params = ((op.parameters ?? []) as { name: string; in: string }[]).map((p) => `${p.name} (${p.in})`);
      ops.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        tags: op.tags,
        schemaRef: body?.split('/').pop(),
        params,
      });
    }
  }
  return ops;
}

export function renderDocs(doc: OpenAPIObject): string {
  const ops = operations(doc);
  const schemas = doc.components?.schemas ?? {};
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>huipay admin API reference</title>
        <style>{`body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f5;border-radius:4px}pre{padding:.75rem;overflow:auto}
.op{border-top:1px solid #e4e4e7;padding:.75rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}
.GET{color:#1d4ed8}.POST{color:#047857}.PUT,.PATCH{color:#b45309}.DELETE{color:#b91c1c}`}</style>
      </head>
      <body>
        <h1>huipay admin API</h1>
        <p>
          {doc.info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a>.
        </p>
        <h2>Operations</h2>
        {ops.map((o) => (
          <div class="op" id={`${o.method}-${o.path}`}>
            <span class={`m ${o.method}`}>{o.method}</span> <code>{o.path}</code>
            <div>{o.summary}</div>
            {o.params.length > 0 && <div>Parameters: {o.params.join(', ')}</div>}
            {o.schemaRef && (
              <div>
                Body: <a href={`#schema-${o.schemaRef}`}>{o.schemaRef}</a>
              </div>
            )}
          </div>
        ))}
        <h2>Schemas</h2>
        {Object.entries(schemas).map(([name, schema]) => (
          <section id={`schema-${name}`}>
            <h3>{name}</h3>
            <pre>{JSON.stringify(schema, null, 2)}</pre>
          </section>
        ))}
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
