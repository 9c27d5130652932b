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
import { PASSWORD_MAX, PASSWORD_MIN } from '../domain/password';
import type { AccountError } from '../services/console-users';
import { APP_LABELS } from './i18n-apps';
import { type Entry, PAGE_LABELS, type Pair } from './i18n-pages';

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

  ...PAGE_LABELS,
  ...APP_LABELS,

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
