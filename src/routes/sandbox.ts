/** The built-in provider simulators (SPEC §11.6): each channel's own at `/sandbox/<channel>`. */
import { createRouter } from '../env';
import { SIMULATORS } from '../sandbox/registry';

const sandbox = createRouter();
for (const simulator of Object.values(SIMULATORS)) sandbox.route(`/${simulator.name}`, simulator.routes);

export default sandbox;
