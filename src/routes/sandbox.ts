/** The built-in provider simulators (SPEC §11.6): each channel's own at `/sandbox/<channel>`. */
import { CHANNELS } from '../channels/registry';
import { createRouter } from '../env';

const sandbox = createRouter();
for (const channel of CHANNELS) sandbox.route(`/${channel.name}`, channel.simulator);

export default sandbox;
