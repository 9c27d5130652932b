/**
 * Every label of the console, in Chinese and English, in one dictionary: a pair per label, a
 * function for labels with values in them, a record per closed word list (statuses, modes, …).
 * Pages read `ctx.t`, this dictionary resolved for the page's language. Chinese words used
 * throughout: 沙箱 (sandbox mode), 正式 (live mode), 测试 (a webhook's test mode).
 */
import type {
  CreateMethod,
  DeliveryKind,
  Direction,
  Mode,
  OrderStatus,
  PayType,
  PointsReason,
  RefundStatus,
  Rotation,
  Routing,
  SessionState,
  WebhookEvent,
} from '../domain/vocab';
import type { Lang } from '../views/cashier';
import type { AccountError } from './accounts';
import { PASSWORD_MAX, PASSWORD_MIN } from './auth';

type Pair = readonly [zh: string, en: string];
type Entry = Pair | ((...args: never[]) => Pair) | { readonly [key: string]: Pair };
type Words<K extends string> = { readonly [k in K]: Pair };

const DICT = {
  // ── shell ──
  consoleBrand: ['huipay 控制台', 'huipay console'],
  otherLanguage: ['English', '中文'],
  signOut: ['退出', 'Sign out'],
  navigation: ['导航', 'Navigation'],
  navMerchants: ['商户管理', 'Merchants'],
  nav: {
    '': ['概览', 'Dashboard'],
    '/orders': ['交易', 'Transactions'],
    '/inbox': ['未匹配收款', 'Unmatched'],
    '/sessions': ['收款会话', 'Sessions'],
    '/rules': ['收款规则', 'Rules'],
    '/settings': ['设置', 'Settings'],
    '/apps': ['应用', 'Apps'],
    '/webhooks': ['Webhook', 'Webhooks'],
    '/points': ['积分', 'Points'],
    '/sandbox': ['沙箱测试', 'Sandbox'],
  },
  problemTitle: {
    400: ['输入有误', 'Bad input'],
    403: ['已拒绝', 'Refused'],
    404: ['未找到', 'Not found'],
    409: ['无法完成', 'Not possible'],
    413: ['内容过大', 'Too large'],
    429: ['请稍后再试', 'Try again later'],
  },
  backToConsole: ['返回控制台', 'Back to the console'],
  noSuchPage: ['没有这个页面或记录。', 'There is no such page or record.'],
  foreignOrigin: ['请求来自其他网站，已拒绝。', 'This form was posted from another site and was refused.'],
  formTooLarge: ['提交的内容过大。', 'The form is too large.'],
  formUnreadable: ['无法读取表单。', 'The form could not be read.'],
  csrfFailed: [
    '表单已过期或来源不明（CSRF 校验失败），未做任何更改。请刷新页面后重试。',
    'The form expired or was not sent by this console (CSRF check failed); nothing was changed. Reload the page and try again.',
  ],
  formExpired: ['表单已过期，请刷新页面后重试。', 'The form expired: reload the page.'],
  refused: ['未完成，原因：', 'Not done:'],

  // ── words used on many pages ──
  all: ['全部', 'All'],
  none: ['无', 'None'],
  save: ['保存', 'Save'],
  saved: ['已保存。', 'Saved.'],
  updated: ['已更新。', 'Updated.'],
  add: ['添加', 'Add'],
  create: ['创建', 'Create'],
  edit: ['编辑', 'Edit'],
  delete: ['删除', 'Delete'],
  back: ['返回', 'Back'],
  apply: ['提交', 'Apply'],
  enable: ['启用', 'Enable'],
  disable: ['停用', 'Disable'],
  enabled: ['启用', 'Enabled'],
  enabledState: ['已启用', 'enabled'],
  disabled: ['已停用', 'disabled'],
  optional: ['可选', 'optional'],
  required: ['必填', 'required'],
  actions: ['操作', 'Actions'],
  name: ['名称', 'Name'],
  status: ['状态', 'Status'],
  state: ['状态', 'State'],
  time: ['时间', 'Time'],
  note: ['备注', 'Note'],
  app: ['应用', 'App'],
  amount: ['金额', 'Amount'],
  amountYuan: ['金额（元）', 'Amount (yuan)'],
  payType: ['支付方式', 'Pay type'],
  modeLabel: ['环境', 'Mode'],
  nextPage: ['下一页 »', 'Next page »'],
  firstPage: ['« 第一页', '« First page'],
  unlimited: ['不限', 'none'],
  listSeparator: ['、', ', '],
  labelled: (label: string) => [`${label}：`, `${label}: `],
  seconds: (n: number) => [`${n} 秒`, `${n} s`],
  timeZone: ['时区', 'Time zone'],
  timeZoneHint: [
    '“今天”、报表和收款规则都按这个时区计算；北京时间即上海时区。',
    'An IANA zone such as Asia/Shanghai; "today", the reports and the rules count in it.',
  ],
  email: ['电子邮箱', 'E-mail'],
  password: ['密码', 'Password'],
  passwordRule: (min: number, max: number) => [`${min}–${max} 个字符`, `${min} to ${max} characters`],

  // ── closed word lists ──
  mode: { live: ['正式', 'live'], sandbox: ['沙箱', 'sandbox'] } satisfies Words<Mode>,
  orderStatus: {
    pending: ['待支付', 'pending'],
    paid: ['已支付', 'paid'],
    expired: ['已过期', 'expired'],
    closed: ['已关闭', 'closed'],
    refunded: ['已退款', 'refunded'],
  } satisfies Words<OrderStatus>,
  payTypes: {
    alipay: ['支付宝', 'Alipay'],
    wechat: ['微信', 'WeChat'],
    qqpay: ['QQ钱包', 'QQ Wallet'],
    unionpay: ['云闪付', 'UnionPay'],
  } satisfies Words<PayType>,
  method: {
    auto: ['自动（按设备选择）', 'auto (by device)'],
    qr: ['扫码支付', 'QR code'],
    wap: ['手机网站支付（H5）', 'mobile web (H5)'],
    page: ['电脑网站支付', 'desktop web page'],
    jsapi: ['公众号/小程序支付（JSAPI）', 'in WeChat (JSAPI)'],
    app: ['APP 支付', 'in-app'],
  } satisfies Words<CreateMethod>,
  sessionState: {
    new: ['未上线', 'new'],
    online: ['在线', 'online'],
    offline: ['离线', 'offline'],
    disabled: ['已停用', 'disabled'],
  } satisfies Words<SessionState>,
  deliveryKind: {
    notify: ['异步通知', 'Async notify'],
    webhook: ['Webhook', 'Webhook'],
    epay_notify: ['易支付异步通知', 'epay notify'],
    vmq_notify: ['V免签异步通知', 'V免签 notify'],
  } satisfies Words<DeliveryKind>,
  deliveryStatus: {
    pending: ['待送达', 'pending'],
    delivered: ['已送达', 'delivered'],
    failed: ['送达失败', 'failed'],
  } satisfies Words<'pending' | 'delivered' | 'failed'>,
  refundStatus: {
    pending: ['处理中', 'pending'],
    succeeded: ['成功', 'succeeded'],
    failed: ['失败', 'failed'],
  } satisfies Words<RefundStatus>,
  webhookMode: { test: ['测试', 'test'], live: ['正式', 'live'] } satisfies Words<'test' | 'live'>,
  webhookEvent: {
    'payment.succeeded': ['支付成功', 'payment succeeded'],
    'order.expired': ['订单过期', 'order expired'],
    'payment.unmatched': ['收款未匹配', 'payment unmatched'],
    'refund.succeeded': ['退款成功', 'refund succeeded'],
    'refund.failed': ['退款失败', 'refund failed'],
  } satisfies Words<WebhookEvent>,
  ledgerReasons: {
    recharge: ['充值', 'recharge'],
    onboarding: ['上码费', 'onboarding fee'],
    order_fee: ['订单费', 'order fee'],
    adjustment: ['调整', 'adjustment'],
    refund_of_fee: ['退还订单费', 'fee returned'],
  } satisfies Words<PointsReason>,
  rotation: {
    smart_random: ['智能随机', 'Smart random'],
    uniform: ['均匀收款', 'Uniform'],
    random: ['普通随机', 'Random'],
  } satisfies Words<Rotation>,
  offsetDirection: {
    down: ['向下（少收几分）', 'down (a few fen less)'],
    up: ['向上（多收几分）', 'up (a few fen more)'],
  } satisfies Words<Direction>,
  routing: {
    official_then_personal: [
      '官方通道优先，其次个人收款会话（默认）',
      'Official channel, then personal sessions (default)',
    ],
    official: ['仅官方通道', 'Official channel only'],
    personal: ['仅个人收款会话', 'Personal sessions only'],
  } satisfies Words<Routing>,
  accountError: {
    email: ['请输入有效的电子邮箱。', 'Enter a valid e-mail address.'],
    password_short: [`密码至少 ${PASSWORD_MIN} 个字符。`, `The password needs at least ${PASSWORD_MIN} characters.`],
    password_long: [`密码最多 ${PASSWORD_MAX} 个字符。`, `The password may have at most ${PASSWORD_MAX} characters.`],
    taken: ['该邮箱已有账户。', 'An account with this e-mail exists already.'],
    token: [
      '部署口令（ADMIN_TOKEN）不正确，或链接已失效。',
      'The ADMIN_TOKEN is wrong, or the link is no longer valid.',
    ],
    merchant: ['商户不存在。', 'No such merchant.'],
    current: ['当前密码不正确。', 'The current password is wrong.'],
  } satisfies Words<AccountError | 'current'>,

  // ── dashboard ──
  modeSwitch: ['切换环境', 'Mode'],
  modeWithCount: (mode: string, orders: number) => [`${mode}（${orders} 笔）`, `${mode} (${orders})`],
  showingMode: (mode: string, days: number) => [
    `当前显示：${mode}环境的订单。括号里是最近 ${days} 天的订单数。`,
    `Showing ${mode} orders. In brackets: orders of the last ${days} days.`,
  ],
  today: ['今天', 'Today'],
  lastDays: (n: number) => [`最近 ${n} 天`, `Last ${n} days`],
  netTaken: ['净收款（已扣除退款）', 'Net taken (less refunds)'],
  grossLessRefunds: (gross: string, refunded: string) => [
    `收款 ¥${gross} − 退款 ¥${refunded}`,
    `paid ¥${gross} − refunded ¥${refunded}`,
  ],
  orderCount: ['订单数', 'Orders'],
  successRate: ['成功率', 'Success rate'],
  paidOfOrders: (paid: number, orders: number) => [`已支付 ${paid} / 共 ${orders} 笔`, `${paid} paid of ${orders}`],
  pointsBalance: ['积分余额', 'Points balance'],
  chartTitle: (mode: string, days: number) => [
    `最近 ${days} 天${mode}环境每日净收款（柱）与订单数（线）`,
    `Net taken per day (bars) and orders (line), ${mode}, last ${days} days`,
  ],
  chartNet: ['净收款（元，已扣除退款）', 'Net taken (yuan, less refunds)'],
  chartOrders: ['订单数（笔，右侧刻度）', 'Orders (right-hand scale)'],

  // ── transactions ──
  invalidFilter: (field: string) => [`筛选条件无效：${field}`, `Invalid filter: ${field}`],
  filters: ['筛选', 'Filters'],
  filter: ['筛选', 'Filter'],
  channel: ['通道', 'Channel'],
  channelFilter: {
    personal: ['个人收款会话', 'Personal sessions'],
    alipay: ['支付宝官方通道', 'Alipay official'],
    wechat: ['微信支付官方通道', 'WeChat Pay official'],
    unionpay: ['云闪付官方通道', 'UnionPay official'],
    qqpay: ['QQ钱包官方通道', 'QQ Wallet official'],
  },
  timeRange: ['时间', 'Time'],
  ranges: {
    today: ['今天', 'Today'],
    '7d': ['最近 7 天', 'Last 7 days'],
    '30d': ['最近 30 天', 'Last 30 days'],
    '60d': ['最近 60 天', 'Last 60 days'],
    custom: ['自定义日期', 'Custom range'],
  },
  fromDate: ['开始日期', 'From'],
  toDate: ['结束日期', 'To'],
  orderNumbers: ['订单号', 'Order numbers'],
  orderSearchHint: ['订单号或商户订单号，可用 * 作前缀匹配', 'order id or out_order_id, prefix*'],
  exportCsv: ['导出 CSV', 'Export CSV'],
  noOrdersMatch: ['没有符合条件的订单。', 'No orders match.'],
  order: ['订单', 'Order'],
  outOrderId: ['商户订单号', 'out_order_id'],
  price: ['金额', 'Price'],
  realprice: ['实付', 'Realprice'],
  createdAt: ['创建时间', 'Created'],

  // ── unmatched payments ──
  unmatchedTitle: ['未匹配收款', 'Unmatched payments'],
  unmatchedIntro: [
    '监控端报告了这些收款，但没有匹配到订单。核对付款人和金额后，可以手动补单到一个待支付或已过期的订单。',
    'Payments the monitor reported that matched no order. After checking the payer and amount, assign one by hand to a pending or expired order.',
  ],
  noUnmatched: ['没有未匹配的收款。', 'No unmatched payments.'],
  payment: ['收款', 'Payment'],
  paidAt: ['支付时间', 'Paid at'],
  payer: ['付款人', 'Payer'],
  assign: ['补单', 'Assign'],
  assignTo: ['补到订单', 'Assign to the order'],
  assignHint: [
    '填订单号（#后的数字）或商户订单号；订单须为待支付或已过期，且与收款同一环境。',
    'Its order id (the number after #) or your out_order_id; the order must be pending or expired, in the payment’s mode.',
  ],
  assignBadNumber: [
    '请填写订单号或商户订单号（1–64 个字母、数字或 _ . | -）。',
    'Enter an order id or an out_order_id (1–64 letters, digits or _ . | -).',
  ],
  assignNoOrder: (n: string) => [`没有订单号或商户订单号为 ${n} 的订单。`, `No order has the id or out_order_id ${n}.`],
  assignAmbiguous: (n: string, ids: string) => [
    `有多个订单的商户订单号是 ${n}（${ids}），请填订单号。`,
    `Several orders have the out_order_id ${n} (${ids}): enter the order id.`,
  ],
  assigned: ['已补单，订单已支付。', 'Assigned; the order is paid.'],

  // ── order detail ──
  refund: ['退款', 'Refund'],
  refundNeedsChannel: [
    '此订单由个人收款会话收款，退款需要官方通道。',
    'Paid into a personal collection session: refunds need an official channel.',
  ],
  refundOnlyPaid: ['只有已支付的订单可以退款。', 'Only a paid order can be refunded.'],
  refundNothingLeft: ['已无可退金额。', 'Nothing is left to refund.'],
  refundAmount: ['退款金额（元）', 'Refund amount (yuan)'],
  refundable: ['可退', 'Refundable'],
  refundReason: ['退款原因（可选）', 'Reason (optional)'],
  refundReasonTooLong: ['退款原因最多 256 个字符。', 'reason: at most 256 characters.'],
  refundAsked: ['申请退款', 'Refund asked'],
  refundSucceeded: ['退款成功', 'Refund succeeded'],
  refundFailed: ['退款失败', 'Refund failed'],
  refundWaiting: ['退款已提交，等待通道确认。', 'Refund asked; waiting for the provider to confirm it.'],
  orderCreated: ['创建订单', 'Order created'],
  paymentReceived: ['收到付款', 'Payment received'],
  paren: (s: string) => [`（${s}）`, `(${s})`],
  matchedByChannel: ['官方通道通知', 'reported by the channel'],
  matchedByHand: ['手动补单', 'assigned by hand'],
  matchedAuto: ['自动匹配', 'matched'],
  orderClosed: ['订单已关闭', 'Order closed'],
  orderClosedFlash: ['订单已关闭。', 'Order closed.'],
  orderExpired: ['订单已过期', 'Order expired'],
  orderExpiresAt: (at: string) => [`将于 ${at} 过期（届时仍未支付）`, `Expires at ${at} if still unpaid`],
  webhookDelivery: (event: string) => [`Webhook 事件 ${event}`, `Webhook ${event}`],
  resend: ['重发', 'Resend'],
  attemptNo: (n: number) => [`第 ${n} 次尝试`, `attempt ${n}`],
  manualAttempt: ['（手动）', ' (manual)'],
  requestAndResponse: ['请求与响应', 'Request and response'],
  priceAndRealprice: ['金额 / 实付', 'Price / realprice'],
  viaSession: (id: number) => [`个人收款会话 #${id}`, `session #${id}`],
  officialChannelOf: (payType: string) => [`${payType}官方通道`, `${payType} official channel`],
  custom: ['附加数据', 'Pass-through value'],
  expiresAt: ['过期时间', 'Expires'],
  providerTradeNo: ['通道订单号', 'Provider order no.'],
  providerTxnId: ['通道交易号', 'Provider transaction'],
  refunded: ['已退款', 'Refunded'],
  closeOrder: ['关闭订单', 'Close order'],
  timeline: ['时间线', 'Timeline'],
  resentAcked: ['已重发，商户已确认。', 'Resent; the merchant acknowledged it.'],
  resentNotAcked: ['已重发，但未被确认。', 'Resent, but not acknowledged.'],

  // ── sessions ──
  sessionsTitle: ['收款会话', 'Collection sessions'],
  onlineSessions: ['在线会话', 'Online'],
  offlineSessions: ['离线会话', 'Offline'],
  noOnlineSessions: ['没有在线的会话。', 'No session is online.'],
  noOfflineSessions: ['没有离线的会话。', 'No session is offline.'],
  session: ['会话', 'Session'],
  lastHeartbeat: ['最后心跳', 'Last heartbeat'],
  pointsShortOfFee: (fee: number) => [
    `积分不足以支付上码费（${fee} 积分），会话保持离线。充值后下一次心跳即上线。`,
    `Points are short of the onboarding fee (${fee} points): the session stays offline. After a recharge the next heartbeat brings it online.`,
  ],
  todayTaken: ['今日收款', 'Today'],
  amountAndCount: (yuan: string, n: number) => [`¥${yuan} / ${n} 笔`, `¥${yuan} / ${n}`],
  rule: ['规则', 'Rule'],
  scanToGoOnline: ['扫码上线', 'Scan to go online'],
  reuseGoOnline: ['重新上线（复用）', 'Reuse: go online again'],
  addSession: ['添加会话', 'Add a session'],
  sessionPayType: ['收款方式', 'Pay type'],
  sessionModeHint: [
    '正式会话首次上线扣上码费；沙箱会话只收沙箱订单，不收费。',
    'A live session is charged the onboarding fee when it first goes online; a sandbox session takes sandbox orders only, free.',
  ],
  qrPayload: ['收款码内容', 'Receive-money QR payload'],
  qrPayloadHint: [
    '钱包收款二维码里的文字（扫码后得到的链接）。',
    "The text in the wallet's receive-money QR code (the link it holds).",
  ],
  scanLive: (fee: number, points: number) => [
    `用监控端扫描下面的二维码。首次心跳后会话上线，并扣除上码费 ${fee} 积分（当前余额 ${points}）。`,
    `Scan this code with the monitor agent. Its first heartbeat brings the session online and is charged the onboarding fee of ${fee} points (balance now ${points}).`,
  ],
  scanSandbox: [
    '用监控端扫描下面的二维码。沙箱会话不收上码费。',
    'Scan this code with the monitor agent. Sandbox sessions are not charged.',
  ],
  monitorQr: ['监控配置二维码', 'Monitor configuration QR code'],
  monitorConfigOnce: [
    '监控配置（只显示这一次，内含密钥）',
    'Monitor configuration (shown only this once; it holds the secret)',
  ],
  vmqScan: [
    '使用 V免签 监控端？扫描这个二维码，或在监控端中手动填入下面的配置（主机/密钥）。',
    'Using the V免签 monitor app? Scan this code, or enter the configuration below (host/key) in the app.',
  ],
  vmqQr: ['V免签 配置二维码', 'V免签 configuration QR code'],
  backToSessions: ['返回会话列表', 'Back to sessions'],
  ruleSaved: ['规则已保存。', 'Rule saved.'],

  // ── rules ──
  rulesTitle: ['收款规则', 'Collection rules'],
  rulesIntro: [
    '规则限制会话在什么时段、什么金额、哪些地区接单。没有规则的会话接所有订单。',
    'A rule limits when, for which amounts and from which regions a session takes orders. A session with no rule takes every order.',
  ],
  noRules: ['还没有规则。', 'No rules yet.'],
  defaultRule: ['默认', 'default'],
  hours: ['时段', 'Hours'],
  amountRange: ['金额范围', 'Amounts'],
  regions: ['地区', 'Regions'],
  anywhere: ['不限', 'anywhere'],
  dailyCap: ['每日上限', 'Daily cap'],
  addRule: ['添加规则', 'Add a rule'],
  startTime: ['开始时间', 'Start'],
  endTime: ['结束时间', 'End'],
  hoursHint: [
    '按商户时区；开始等于结束表示全天，开始晚于结束表示跨过午夜。',
    "In the merchant's time zone; equal times mean all day, a start after the end wraps past midnight.",
  ],
  minAmount: ['最小金额', 'Min amount'],
  maxAmount: ['最大金额', 'Max amount'],
  amountBoundHint: ['按订单金额（元），留空不限。', "The order's price in yuan; empty: no bound."],
  dailyCapPerSession: ['每会话每日上限', 'Daily cap per session'],
  dailyCapHint: [
    '一个会话当天收款加上本单超过此金额（元）就不再接单；留空不限。',
    "A session takes no order once today's takings plus its price would exceed this (yuan); empty: none.",
  ],
  regionsHint: [
    '国家或省份代码，用逗号分隔，留空不限。例如：',
    'Country or province codes, separated by commas; empty: anywhere. For example:',
  ],
  ruleAdded: ['规则已添加。', 'Rule added.'],

  // ── settings ──
  rotationLabel: ['轮询策略', 'Rotation'],
  rotationHint: [
    '多个会话都能接单时先选谁。智能随机：避开刚收过款的会话；均匀收款：避开今天收得最多的会话；普通随机：任选。',
    'Which session is tried first when several can take an order. Smart random: not the one that took the last payment; uniform: not the one that took the most today; random: any.',
  ],
  maxOffset: ['最大金额偏移（元）', 'Max amount offset (yuan)'],
  maxOffsetHint: [
    '同一会话上同价的待支付订单靠几分钱的差额区分，这是最多偏移多少（0.00–1.00）。',
    'Pending orders of one price on one wallet are told apart by a few fen; this is how far the amount may move (0.00–1.00).',
  ],
  offsetDirectionLabel: ['偏移方向', 'Offset direction'],
  offsetDirectionHint: [
    '向下：付款人少付几分；向上：多付几分。',
    'Down: the payer pays a few fen less; up: a few fen more.',
  ],
  defaultRuleLabel: ['默认收款规则', 'Default rule'],
  defaultRuleHint: ['新添加的会话自动使用这个规则。', 'New sessions get this rule.'],
  settingsSaved: ['设置已保存。', 'Settings saved.'],

  // ── apps ──
  appModeHint: [
    '沙箱应用的订单只能模拟支付，不会真实扣款；创建后不能更改。',
    'A sandbox app’s orders are paid only by simulation, no real money; it cannot be changed later.',
  ],
  orderTtl: ['订单有效期（秒）', 'Order time-to-live (s)'],
  orderTtlHint: ['下单后多久未支付即过期，60–86400 秒。', 'How long an unpaid order lives, 60 to 86400 seconds.'],
  appUrl: {
    notify_url: ['异步通知地址', 'Notify URL'],
    return_url: ['同步跳转地址', 'Return URL'],
    timeout_url: ['超时跳转地址', 'Timeout URL'],
    sandbox_notify_url: ['沙箱通知地址', 'Sandbox notify URL'],
    backup_notify_url: ['备用通知地址', 'Backup notify URL'],
  },
  appUrlHint: {
    notify_url: ['订单支付后，服务器向这里发送签名的通知。', 'Where the signed notify of a paid order goes.'],
    return_url: ['付款人支付后浏览器跳回的页面。', "Where the payer's browser returns after paying."],
    timeout_url: ['订单过期时付款人被送到的页面（可选）。', 'Where the payer goes when the order expires (optional).'],
    sandbox_notify_url: [
      '沙箱订单的通知地址（可选，默认同异步通知地址）。',
      "Sandbox orders' notify URL (optional; default: the notify URL).",
    ],
    backup_notify_url: ['主地址多次失败后改发到这里（可选）。', 'Tried after the notify URL keeps failing (optional).'],
  },
  payTypesLegend: ['支付方式', 'Pay types'],
  allowUrlOverride: ['允许下单时覆盖回调地址', 'Allow per-order URL overrides'],
  routingLegend: ['路由（每种支付方式的订单去向）', 'Routing (where each pay type’s orders go)'],
  appkey: ['应用标识', 'App key'],
  appsecret: ['应用密钥', 'App secret'],
  epayPid: ['易支付商户 ID', 'epay merchant ID'],
  epayUrl: ['易支付接口地址', 'epay URL'],
  epayUrlHint: ['面板程序填这个地址，例如：', 'For panels such as:'],
  epaySubmitUrl: ['易支付提交地址', 'epay submit URL'],
  epaySubmitUrlHint: ['独角数卡（易支付）把它填在这一栏：', 'For dujiaoka’s 易支付, in its field'],
  vmqUrl: ['V免签接口地址', 'V免签 URL'],
  vmqUrlHint: [
    '独角数卡“V免签”的商户密钥填这个地址（保留末尾的 /）。',
    'dujiaoka’s V免签: its 商户密钥 (keep the trailing slash).',
  ],
  keyForShops: ['商户密钥', 'Key'],
  keyForShopsHint: [
    '易支付的商户密钥和 V免签的通讯密钥都是这个应用的应用密钥，只在创建或重新生成时显示一次。',
    'The epay key and the V免签 key are the appsecret, shown only when it is made or rotated.',
  ],
  appKeys: ['应用密钥', 'App keys'],
  secretShownOnce: [
    '应用密钥只显示这一次，请立即保存。遗失后只能重新生成。',
    'The appsecret is shown only this once: store it now. If lost, rotate it.',
  ],
  backToApps: ['返回应用列表', 'Back to apps'],
  apiEndpoints: ['接口地址', 'API endpoints'],
  endpoint: {
    create: ['下单', 'Create an order'],
    query: ['查询订单', 'Query an order'],
    close: ['关闭订单', 'Close an order'],
    refund: ['退款', 'Refund'],
    refund_query: ['查询退款', 'Query a refund'],
  },
  apiReference: ['接口文档', 'API reference'],
  noApps: ['还没有应用。在下面创建第一个。', 'No apps yet. Create the first one below.'],
  rotateSecret: ['重新生成密钥', 'Rotate secret'],
  createApp: ['创建应用', 'Create an app'],
  editApp: ['编辑应用', 'Edit app'],
  appSaved: ['应用已保存。', 'App saved.'],

  // ── official channels ──
  builtInSimulator: ['内置模拟器（免配置）', 'built-in simulator (no setup)'],
  methods: ['支付产品', 'Methods'],
  channelNotifyUrl: ['通知地址（填到服务商后台）', 'Notify URL (register it with the provider)'],
  configDetails: [
    '配置详情（指纹与公钥；密钥从不显示）',
    'Details (fingerprints and public keys; secrets are never shown)',
  ],
  checkConfig: ['检查配置', 'Check'],
  replaceConfigOf: ['替换配置：', 'Replace the config of'],
  addConfigFor: ['添加配置：', 'Add a config for'],
  secretKeep: ['密钥：留空则保留已保存的值', 'secret: leave empty to keep the stored one'],
  secretSealed: ['密钥：加密保存，之后只显示指纹', 'secret: only its fingerprint is shown once saved'],
  saveChannelConfig: ['保存通道配置', 'Save the channel config'],
  officialChannels: ['官方通道', 'Official channels'],
  officialChannelsIntro: [
    '官方支付通道（支付宝、微信支付、云闪付、QQ钱包）的凭证。密钥加密保存，只显示指纹。各字段的说明见接口文档。',
    'Credentials of the official channels (Alipay, WeChat Pay, UnionPay, QQ Wallet). Secrets are stored sealed and only their fingerprints are shown. The fields are described in the API reference.',
  ],
  noConfigSandbox: [
    '尚无配置：沙箱应用的订单会使用内置模拟器。',
    'No config yet: this sandbox app’s orders use the built-in simulators.',
  ],
  noConfig: ['尚无配置。', 'No config yet.'],
  channelSaved: ['通道配置已保存。', 'Channel config saved.'],
  channelDeleted: ['通道配置已删除。', 'Channel config deleted.'],
  channelNote: {
    unionpay: [
      '银联的签名证书文件请先转换：填入其中的私钥和证书序列号（十进制），见接口文档。',
      'Convert UnionPay’s .pfx signing certificate first: give its private key and the certificate serial (decimal); see the API reference.',
    ],
  } as Record<string, Pair>,
  channelField: {
    'alipay.app_id': ['支付宝应用 ID', 'Alipay app ID'],
    'alipay.private_key': ['应用私钥（RSA2）', 'App private key (RSA2)'],
    'alipay.alipay_public_key': ['支付宝公钥', 'Alipay public key'],
    'alipay.gateway_url': ['支付宝网关地址', 'Alipay gateway URL'],
    'wechat.mchid': ['微信支付商户号', 'WeChat Pay merchant number'],
    'wechat.appid': ['绑定的公众号、小程序或移动应用 ID', 'AppID bound to the merchant number'],
    'wechat.api_v3_key': ['APIv3 密钥', 'API v3 key'],
    'wechat.merchant_serial_no': ['商户 API 证书序列号', 'Merchant API certificate serial number'],
    'wechat.merchant_private_key': ['商户 API 私钥', 'Merchant API private key'],
    'wechat.wechatpay_public_key': ['微信支付公钥', 'WeChat Pay public key'],
    'wechat.wechatpay_public_key_id': ['微信支付公钥 ID', 'WeChat Pay public key ID'],
    'wechat.base_url': ['微信支付接口地址', 'WeChat Pay API base URL'],
    'qqpay.mch_id': ['QQ钱包商户号', 'QQ Wallet merchant number'],
    'qqpay.api_key': ['API 密钥', 'API key'],
    'qqpay.appid': ['QQ 开放平台移动应用 ID（APP 支付需要）', 'QQ open platform AppID (for in-app payments)'],
    'qqpay.app_key': ['QQ 开放平台移动应用密钥（APP 支付签名用）', 'QQ open platform AppKey (signs in-app payments)'],
    'qqpay.op_user_id': ['退款操作员账号', 'Refund operator id'],
    'qqpay.op_user_passwd': ['退款操作员密码', 'Refund operator password'],
    'qqpay.cert_binding': [
      '商户客户端证书的绑定名（退款需要）',
      "Binding of the merchant's client certificate (refunds)",
    ],
    'qqpay.base_url': ['QQ钱包接口地址', 'QQ Wallet API base URL'],
    'unionpay.mer_id': ['银联商户号', 'UnionPay merchant number'],
    'unionpay.sign_key': ['签名证书私钥', 'Signing certificate private key'],
    'unionpay.sign_cert_id': ['签名证书序列号（十进制）', 'Signing certificate serial (decimal)'],
    'unionpay.root_cert': ['银联根证书', 'UnionPay root certificate'],
    'unionpay.middle_cert': ['银联中级证书', 'UnionPay middle certificate'],
    'unionpay.base_url': ['银联网关地址', 'UnionPay gateway URL'],
  } as Record<string, Pair>,
  checkAccepted: ['服务商接受了签名', 'the provider accepted the signature'],
  checkRefused: ['服务商拒绝了签名', 'the provider refused the signature'],
  checkUnreachable: ['无法连接服务商或无法验证其应答', 'the provider could not be reached or its answer not verified'],
  checkVerified: ['应答验签通过', 'its answer verified'],
  checkNotVerified: ['应答验签未通过', 'its answer did not verify'],
  checkSummary: (accepted: string, verified: string) => [
    `检查结果：${accepted}，${verified}`,
    `Check: ${accepted}, ${verified}`,
  ],

  // ── points ──
  noLedgerRows: [
    '还没有积分变动。运营者充值后，充值、上码费和订单费都会记在这里。',
    'No points movements yet. Once the operator recharges, recharges, onboarding fees and order fees are listed here.',
  ],
  ledgerReason: ['类型', 'Reason'],
  delta: ['变动', 'Delta'],
  balanceAfter: ['变动后余额', 'Balance after'],
  referenceOrNote: ['关联/备注', 'Reference / note'],
  balance: ['余额', 'Balance'],
  onboardingFee: ['上码费', 'Onboarding fee'],
  perOrderFee: ['每笔订单费', 'Per-order fee'],
  monthlyQuota: ['每月订单额度', 'Monthly order quota'],
  pointsExplained: [
    '100 积分 = 1 元。订单费在下单时预扣，订单过期或关闭未支付时退还。',
    '100 points = 1 yuan. The order fee is held at create and returned if the order expires or is closed unpaid.',
  ],

  // ── sandbox test payment ──
  sandboxTitle: ['沙箱测试支付', 'Sandbox test payment'],
  needsSandboxApp: ['需要一个沙箱应用。', 'This needs a sandbox app.'],
  sandboxIntro: [
    '用沙箱应用下一个真实订单，然后在收银台点击“模拟支付”。不会产生真实扣款。',
    'Creates a real order with a sandbox app; on the cashier page, press "simulate payment". No real money moves.',
  ],
  sandboxApp: ['沙箱应用', 'Sandbox app'],
  createAndOpenCashier: ['下单并打开收银台', 'Create and open the cashier page'],

  // ── webhooks ──
  webhooksIntro: [
    'Webhook 把支付、过期、未匹配收款和退款等事件推送到您的服务器，每个请求都带签名。',
    'Webhooks push events — payments, expiries, unmatched payments, refunds — to your server, each request signed.',
  ],
  webhookUrl: ['接收地址', 'URL'],
  webhookModeLabel: ['模式', 'Mode'],
  webhookModeHint: [
    '测试：接收沙箱应用的事件；正式：接收正式应用的事件。',
    'Test: the events of a sandbox app; live: those of a live app.',
  ],
  events: ['事件', 'Events'],
  extraHeaders: ['额外请求头', 'Extra headers'],
  extraHeadersHint: ['每行一个，格式为 名称: 值', 'One "Name: value" per line'],
  noWebhooks: ['还没有 Webhook。', 'No webhooks.'],
  switchWebhookMode: (mode: string) => [`切换到${mode}`, `Switch to ${mode}`],
  switchedWebhookMode: (mode: string) => [`已切换到${mode}模式。`, `Switched to ${mode}.`],
  sendTest: ['测试发送', 'Send test'],
  addWebhook: ['添加 Webhook', 'Add a webhook'],
  createAppFirst: ['请先创建应用。', 'Create an app first.'],
  webhookAdded: ['Webhook 已添加。', 'Webhook added.'],
  webhookSaved: ['Webhook 已保存。', 'Webhook saved.'],
  webhookDeleted: ['Webhook 已删除。', 'Webhook deleted.'],
  editWebhook: ['编辑 Webhook', 'Edit webhook'],
  testSendTitle: ['测试发送', 'Test send'],
  testDelivered: ['成功（HTTP 2xx）', 'Delivered (HTTP 2xx)'],
  testFailed: ['失败', 'Failed'],
  request: ['请求', 'Request'],
  response: ['响应', 'Response'],
  noResponse: ['无响应', 'No response'],

  // ── operator ──
  noMerchants: ['还没有商户。', 'No merchants yet.'],
  merchant: ['商户', 'Merchant'],
  openItsConsole: ['进入商户后台', 'Open its console'],
  createMerchant: ['创建商户', 'Create a merchant'],
  merchantName: ['商户名称', 'Merchant name'],
  merchantCreated: ['商户已创建。', 'Merchant created.'],
  disableMerchant: ['停用商户', 'Disable merchant'],
  enableMerchant: ['启用商户', 'Enable merchant'],
  pointsDelta: ['积分变动', 'Points'],
  pointsDeltaHint: ['正数充值，负数扣减。', 'Positive to add, negative to debit.'],
  pointsDone: (balance: number) => [`完成，余额 ${balance}。`, `Done; the balance is ${balance}.`],
  planAndFees: ['套餐与费用', 'Plan and fees'],
  onboardingFeePoints: ['上码费（积分）', 'Onboarding fee (points)'],
  onboardingFeeHint: ['正式会话首次上线时扣一次。', 'Charged once when a live session first goes online.'],
  orderFeePoints: ['每笔订单费（积分）', 'Per-order fee (points)'],
  orderFeePermille: ['每笔订单费（金额千分比）', 'Per-order fee (‰ of the amount)'],
  monthlyQuotaEmptyNone: ['每月订单额度（留空不限）', 'Monthly order quota (empty: none)'],
  planSaved: ['套餐已保存。', 'Plan saved.'],
  capacity: ['容量', 'Capacity'],
  capacityIntro: [
    '商户的实时状态分布在多少个收款协调分片上（1–16）。新会话放在会话最少的分片上；不能低于已有会话的分片。',
    "Over how many Collectors the merchant's live state is spread (1–16). New sessions go to the least-loaded shard; it cannot go below a shard that holds sessions.",
  ],
  collectorShards: ['分片数', 'Collector shards'],
  merchantUsers: ['商户用户', 'Merchant users'],
  noUsersYet: ['还没有用户。', 'No users yet.'],
  initialPassword: (min: number) => [`初始密码（至少 ${min} 个字符）`, `Initial password (at least ${min} characters)`],
  createUser: ['创建用户', 'Create user'],
  makeInvite: ['生成邀请链接', 'Make an invite link'],
  userCreated: (email: string) => [`已创建用户 ${email}。`, `User ${email} created.`],
  inviteLink: ['邀请链接', 'Invite link'],
  inviteSendTo: ['把这个链接发给', 'Send this link to the new user of '],
  inviteRules: [
    '的新用户。7 天内有效，只能使用一次，也只显示这一次。',
    '. It works once, for 7 days, and is shown only now.',
  ],

  // ── signing in, account ──
  firstRun: ['首次设置', 'First run'],
  firstRunIntro: ['还没有任何账户。请输入部署时设置的部署口令', 'No account exists yet. Enter the deployment’s'],
  firstRunIntroEnd: ['，并创建第一个运营者账户。', ', and create the first operator account.'],
  adminToken: ['部署口令', 'Admin token'],
  createOperator: ['创建运营者', 'Create the operator'],
  signIn: ['登录', 'Sign in'],
  lockedAccount: (min: number) => [
    `该账户登录失败次数过多，请 ${min} 分钟后再试。`,
    `Too many failed sign-ins for this account. Try again in ${min} minutes.`,
  ],
  lockedAddress: (min: number) => [
    `来自您网络地址的登录失败次数过多，请 ${min} 分钟后再试。`,
    `Too many failed sign-ins from your address. Try again in ${min} minutes.`,
  ],
  lockedCode: (min: number) => [
    `该账户验证码错误次数过多，请 ${min} 分钟后再试。`,
    `Too many wrong codes for this account. Try again in ${min} minutes.`,
  ],
  undecodable: (field: string, error: string) => [`${field}：百分号编码无效（% 本身请写作 %25）`, error],
  wrongOrUsedCode: ['验证码不正确或已使用。', 'The code is wrong or was used already.'],
  totpOffProof: [
    '当前密码，或身份验证器中的 6 位数字',
    'Your current password, or a 6-digit code from your authenticator app',
  ],
  totpOffWrong: [
    '密码或验证码不正确，两步验证仍开启。',
    'The password or code is wrong; two-step verification stays on.',
  ],
  wrongEmailOrPassword: ['邮箱或密码不正确。', 'The e-mail or password is wrong.'],
  twoStep: ['两步验证', 'Two-step verification'],
  authenticatorCode: ['身份验证器中的 6 位数字', 'The 6-digit code from your authenticator app'],
  verify: ['验证', 'Verify'],
  tooManyFailures: (min: number) => [
    `失败次数过多，请 ${min} 分钟后再试。`,
    `Too many failures. Try again in ${min} minutes.`,
  ],
  wrongCode: ['验证码不正确。', 'The code is wrong.'],
  wrongCodeRetry: ['验证码不正确，请重试。', 'The code is wrong; try again.'],
  signedOut: ['已退出。', 'Signed out.'],
  account: ['账户', 'Account'],
  changePassword: ['修改密码', 'Change password'],
  currentPassword: ['当前密码', 'Current password'],
  newPassword: ['新密码', 'New password'],
  passwordChanged: [
    '密码已修改，其他设备上的登录已退出。',
    'Password changed; other signed-in devices were signed out.',
  ],
  twoStepTotp: ['两步验证（TOTP）', 'Two-step verification (TOTP)'],
  totpOn: ['已开启。', 'On.'],
  totpOff: ['未开启。', 'Off.'],
  turnOffTotp: ['关闭两步验证', 'Turn off'],
  totpScan: [
    '用身份验证器扫描二维码，或手动输入密钥，然后输入 6 位数字确认。',
    'Scan the code with your authenticator app, or type the key, then confirm with a 6-digit code.',
  ],
  totpQr: ['两步验证二维码', 'TOTP QR code'],
  code: ['验证码', 'Code'],
  turnOn: ['开启', 'Turn on'],
  setUpTotp: ['设置两步验证', 'Set up'],
  totpTurnedOn: ['两步验证已开启。', 'Two-step verification is on.'],
  totpTurnedOff: ['两步验证已关闭。', 'Two-step verification is off.'],
  acceptInvite: ['接受邀请', 'Accept the invitation'],
  createAccount: ['创建账户', 'Create the account'],
  invalidInvite: ['邀请无效', 'Invalid invitation'],
  inviteUsedOrExpired: ['此邀请链接已使用或已过期。', 'This invitation link was used or has expired.'],
} as const satisfies Record<string, Entry>;

type Resolved<E> = E extends Pair
  ? string
  : E extends (...args: infer A) => Pair
    ? (...args: A) => string
    : { readonly [K in keyof E]: string };

/** The dictionary in one language: a string per label, a function per label with values. */
export type Labels = { readonly [K in keyof typeof DICT]: Resolved<(typeof DICT)[K]> };

function resolve(lang: Lang): Labels {
  const pick = (p: Pair) => p[lang === 'zh' ? 0 : 1];
  const out: Record<string, unknown> = {};
  for (const [key, e] of Object.entries(DICT) as [string, Entry][])
    out[key] =
      typeof e === 'function'
        ? (...args: never[]) => pick(e(...args))
        : Array.isArray(e)
          ? pick(e as Pair)
          : Object.fromEntries(Object.entries(e).map(([k, p]) => [k, pick(p)]));
  return out as Labels;
}

const BY_LANG: Record<Lang, Labels> = { zh: resolve('zh'), en: resolve('en') };

export const labels = (lang: Lang): Labels => BY_LANG[lang];

/** Every pair of the dictionary by key (a function's with sample values), for the tests of its words. */
export function dictionaryPairs(): [string, Pair][] {
  return (Object.entries(DICT) as [string, Entry][]).flatMap(([key, e]): [string, Pair][] =>
    typeof e === 'function'
      ? [[key, (e as (...a: unknown[]) => Pair)(1, 2, 3)]]
      : Array.isArray(e)
        ? [[key, e as Pair]]
        : Object.entries(e).map(([k, p]): [string, Pair] => [`${key}.${k}`, p]),
  );
}
