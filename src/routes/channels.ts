/** Provider notifications: `POST /channels/:channel/notify/:config_id`, answered in the provider's format. */
import { createRouter } from '../env';
import { handleNotify } from '../services/channel-payments';
import { readBody } from '../services/params';
import { publicOrigin } from './origin';

const channels = createRouter();

channels.post('/:channel/notify/:config_id', async (c) => {
  const body = await readBody(c);
  const configId = /^\d{1,15}$/.test(c.req.param('config_id')) ? Number(c.req.param('config_id')) : -1;
  const answer = await handleNotify(
    c.env,
    c.get('db'),
    c.req.param('channel'),
    configId,
    {
      body: body.ok ? body.text : '',
      contentType: c.req.header('content-type') ?? '',
      headers: c.req.raw.headers,
    },
    publicOrigin(c),
  );
  if (answer.status === 204) return c.body(null, 204);
  return c.body(answer.body, answer.status as 200, { 'content-type': answer.contentType });
});

export default channels;
