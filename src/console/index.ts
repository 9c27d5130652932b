/**
 * The web console at `/console` (SPEC §13), mounted by the app. Every merchant page lives under
 * `/console/m/:mid/…` and is authorised on the server for the signed-in user (an operator reaches
 * any merchant, a merchant user only its own); operator pages under `/console/operator`.
 */
import apps from './routes/apps';
import channels from './routes/channels';
import auth from './routes/auth';
import collect from './routes/collect';
import operator from './routes/operator';
import orderDetail from './routes/order-detail';
import orders from './routes/orders';
import webhooks from './routes/webhooks';
import { consoleRouter, notFound, plumbing, requireMerchantAccess, requireOperator, requireUser } from './core';

const console_ = consoleRouter();

console_.use('*', plumbing);
console_.use('/m/:mid', requireUser, requireMerchantAccess);
console_.use('/m/:mid/*', requireUser, requireMerchantAccess);
console_.use('/operator', requireUser, requireOperator);
console_.use('/operator/*', requireUser, requireOperator);
console_.route('/', auth);
for (const area of [orders, orderDetail, collect, apps, channels, webhooks]) console_.route('/m/:mid', area);
console_.route('/operator', operator);
console_.notFound(notFound);

export default console_;
