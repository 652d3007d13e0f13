// User-facing text: Simplified Chinese first, English second.
const zh = {
  title: '便民服务站 · 工作台', logout: '退出', login: '工作人员登录', username: '用户名', password: '密码',
  login_button: '登录', cases: '案件', new_case: '新建收件', search: '查询',
  search_hint: '案件编号 / 证件号码 / 电话 / 姓名', 'view.all': '全部案件', 'view.ready': '待领取',
  'view.overdue': '已超期', any_state: '任意状态', case_code: '案件编号', item: '办理事项', applicant: '申请人',
  received: '收件时间', promised_by: '承诺办结', state: '状态', no_cases: '暂无案件',
  step_item: '1 · 办理事项', ticket: '排队号（选填）', step_applicant: '2 · 申请人', 'kind.person': '个人',
  'kind.org': '单位', applicant_name: '申请人姓名', id_type: '证件类型', id_number: '证件号码',
  credit_code: '统一社会信用代码', phone: '联系电话', has_agent: '由代办人办理', agent_name: '代办人姓名',
  agent_id_number: '代办人证件号码', step_materials: '3 · 材料清单', material: '材料', received_col: '已收',
  form: '原件/复印件', pages: '页数', scan: '电子件', incomplete: '容缺受理（必需材料暂缺，先行受理）',
  incomplete_note: '容缺说明', save: '保存并打印回执', save_draft: '存为草稿', cancel: '取消', case: '案件',
  back: '返回列表', 'act.submit': '提交受理', 'act.discard': '作废草稿', 'act.withdraw': '申请人撤回',
  'act.close': '归档', 'act.cover': '打印扫描封面页', 'act.reveal': '显示完整证件号码', reprint: '补打回执',
  materials: '材料清单', documents_list: '电子材料', pickup: '领取办理结果', pickup_code: '取件码',
  id_last4: '或：申请人证件号码后四位', 'collector.applicant': '申请人本人领取', 'collector.agent': '代领人领取',
  collector_id: '代领人证件号码', pickup_button: '核验并交付、打印交接单', supplement: '补正材料',
  supplement_button: '提交补正并打印回执', history: '办理记录', receipt_preview: '回执预览', promised: '承诺',
  days: '个工作日', optional: '（选交）', copies: '份', 'form.original': '原件', 'form.copy': '复印件',
  'id.resident': '居民身份证', 'id.passport': '护照', 'id.hk_macao': '港澳居民来往内地通行证',
  'id.taiwan': '台湾居民来往大陆通行证', 'id.foreign_permanent': '外国人永久居留身份证', 'id.other': '其他证件',
  draft_saved: '已存为草稿：', saved: '已收件：', version: '提交次数', department: '承办部门', agent: '代办人',
  official_number: '受理号', central_note: '部门意见', decision: '办理结果', 'decision.approved': '准予',
  'decision.denied': '不予', receipt: '回执', 'receipt.none': '未打印（草稿）', 'receipt.printed': '已打印',
  'receipt.failed': '打印失败', 'receipt.pending': '待打印', pages_unit: '页', not_needed: '选交，未提供',
  missing: '缺', purged_document: '（已按期销毁）', withdraw_reason: '请填写撤回原因',
  confirm_discard: '确定作废这份草稿吗？', network: '无法连接服务器，请检查网络后重试', lang_switch: 'English',
  'done.withdraw': '已撤回', 'done.discard': '草稿已作废', 'done.close': '已归档', 'done.submit': '已提交',
  'state.draft': '草稿', 'state.received': '已收件', 'state.queued': '待报送', 'state.sent': '已报送',
  'state.accepted': '已受理', 'state.returned': '退回补正', 'state.rejected': '不予受理', 'state.decided': '已办结',
  'state.ready': '待领取', 'state.collected': '已领取', 'state.closed': '已归档', 'state.discarded': '已作废',
  'state.withdrawn': '已撤回', 'state.purged': '已销毁个人信息',
  'action.case.intake': '收件', 'action.case.draft': '存草稿', 'action.case.submit': '提交受理',
  'action.case.discard': '作废', 'action.case.withdraw': '撤回', 'action.case.queue': '进入报送队列',
  'action.case.send': '已报送部门', 'action.case.accept': '部门受理', 'action.case.return': '部门退回补正',
  'action.case.reject': '部门不予受理', 'action.case.decide': '部门办结', 'action.case.ready': '结果待领取',
  'action.case.supplement': '补正材料', 'action.case.collect': '领取', 'action.case.close': '归档',
  'action.case.purge': '销毁个人信息', 'action.print.cover': '打印封面页', 'action.print.handover': '打印交接单',
  'action.print.receipt': '打印回执', 'action.pickup.failed': '领取核验失败', 'action.pickup.locked': '领取已锁定',
  reports: '报表', staff: '工作人员', 'period.day': '日报', 'period.month': '月报', show_report: '查看', count: '件数',
  agency_report: '代办业务月报', download_pdf: '下载 PDF（A4）', download_csv: '导出 CSV', report_total: '收件总数',
  report_ready: '办结可领取', report_average: '平均办理时长', report_longest: '最长办理时长', hours: '小时',
  display_name: '姓名', role: '角色', status: '状态', new_staff: '新增工作人员', 'role.clerk': '窗口工作人员',
  'role.admin': '管理员', initial_password: '初始密码（至少 10 位）', create_staff: '新增', enable: '启用',
  disable: '停用', reset_password: '重设密码', new_password: '请输入新密码（至少 10 位）', password_set: '密码已重设',
  disabled: '已停用', active: '在用', staff_created: '已新增工作人员',
  my_window: '我的窗口', signin: '签到', current_ticket: '当前号', 'op.call': '叫下一位', 'op.recall': '重呼',
  'op.no_show': '过号', 'op.start': '开始办理', 'op.finish': '办结', 'op.intake': '为此号收件', transfer: '转移：',
  'op.transfer': '转到该类别', serves: '办理：', nobody: '未签到', no_windows: '尚未设置窗口，请管理员设置',
  'ticket.called': '已叫号', 'ticket.serving': '办理中', 'done.call': '已叫号', 'done.recall': '已重呼',
  'done.no-show': '已过号', 'done.start': '开始办理', 'done.finish': '已办结', 'done.transfer': '已转移',
  'done.signin': '已签到', queue_stats: '叫号统计（所选日期）', category: '类别', tickets: '取号数',
  wait: '平均等候（分钟）', service: '平均办理（分钟）', no_shows: '过号', ratings: '评价',
  issue_for: '代取号：', issue_button: '取号并打印', issued: '已取号：', scanned: '已扫描：',
};

const en = {
  title: 'Service office · Console', logout: 'Log out', login: 'Staff login', username: 'User name',
  password: 'Password', login_button: 'Log in', cases: 'Cases', new_case: 'New intake', search: 'Search',
  search_hint: 'Case code / ID number / phone / name', 'view.all': 'All cases', 'view.ready': 'Ready for pickup',
  'view.overdue': 'Overdue', any_state: 'Any state', case_code: 'Case code', item: 'Service item',
  applicant: 'Applicant', received: 'Received', promised_by: 'Promised by', state: 'State', no_cases: 'No cases',
  step_item: '1 · Service item', ticket: 'Ticket (optional)', step_applicant: '2 · Applicant',
  'kind.person': 'Person', 'kind.org': 'Organisation', applicant_name: 'Applicant name', id_type: 'ID type',
  id_number: 'ID number', credit_code: 'Unified social credit code', phone: 'Phone', has_agent: 'Brought by an agent',
  agent_name: 'Agent name', agent_id_number: 'Agent ID number', step_materials: '3 · Materials',
  material: 'Material', received_col: 'Received', form: 'Original/copy', pages: 'Pages', scan: 'Scan',
  incomplete: 'Incomplete intake (容缺: accept now, a required material follows)',
  incomplete_note: 'Why incomplete', save: 'Save and print receipt', save_draft: 'Save as draft', cancel: 'Cancel',
  case: 'Case', back: 'Back to list', 'act.submit': 'Submit', 'act.discard': 'Discard draft',
  'act.withdraw': 'Withdraw', 'act.close': 'Close', 'act.cover': 'Print scanner cover sheet',
  'act.reveal': 'Show full ID number', reprint: 'Reprint receipt', materials: 'Materials',
  documents_list: 'Documents', pickup: 'Hand over the result', pickup_code: 'Pickup code',
  id_last4: 'or: last 4 characters of the applicant\'s ID', 'collector.applicant': 'The applicant collects',
  'collector.agent': 'An agent collects', collector_id: 'Agent ID number',
  pickup_button: 'Check, hand over and print the slip', supplement: 'Supplement materials',
  supplement_button: 'Submit the supplement and print a receipt', history: 'History',
  receipt_preview: 'Receipt preview', promised: 'promised in', days: 'working days', optional: ' (optional)',
  copies: 'copies', 'form.original': 'original', 'form.copy': 'copy', 'id.resident': 'Resident ID card',
  'id.passport': 'Passport', 'id.hk_macao': 'Hong Kong/Macao travel permit', 'id.taiwan': 'Taiwan travel permit',
  'id.foreign_permanent': 'Foreign permanent resident ID', 'id.other': 'Other document',
  draft_saved: 'Draft saved: ', saved: 'Received: ', version: 'Submission', department: 'Department',
  agent: 'Agent', official_number: 'Official number', central_note: 'Department\'s note', decision: 'Decision',
  'decision.approved': 'approved', 'decision.denied': 'denied', receipt: 'Receipt', 'receipt.none': 'none (draft)',
  'receipt.printed': 'printed', 'receipt.failed': 'failed', 'receipt.pending': 'pending', pages_unit: 'pages',
  not_needed: 'optional, not given', missing: 'missing', purged_document: '(purged after retention)',
  withdraw_reason: 'Why is the application withdrawn?', confirm_discard: 'Discard this draft?',
  network: 'Cannot reach the server; check the network and try again', lang_switch: '中文',
  'done.withdraw': 'Withdrawn', 'done.discard': 'Draft discarded', 'done.close': 'Closed', 'done.submit': 'Submitted',
  'state.draft': 'draft', 'state.received': 'received', 'state.queued': 'queued', 'state.sent': 'sent',
  'state.accepted': 'accepted', 'state.returned': 'returned for materials', 'state.rejected': 'rejected',
  'state.decided': 'decided', 'state.ready': 'ready for pickup', 'state.collected': 'collected',
  'state.closed': 'closed', 'state.discarded': 'discarded', 'state.withdrawn': 'withdrawn',
  'state.purged': 'personal data purged',
  'action.case.intake': 'intake', 'action.case.draft': 'draft saved', 'action.case.submit': 'submitted',
  'action.case.discard': 'discarded', 'action.case.withdraw': 'withdrawn', 'action.case.queue': 'queued',
  'action.case.send': 'sent to the department', 'action.case.accept': 'accepted',
  'action.case.return': 'returned for materials', 'action.case.reject': 'rejected', 'action.case.decide': 'decided',
  'action.case.ready': 'ready for pickup', 'action.case.supplement': 'supplemented',
  'action.case.collect': 'collected', 'action.case.close': 'closed', 'action.case.purge': 'personal data purged',
  'action.print.cover': 'cover sheet printed', 'action.print.handover': 'handover slip printed',
  'action.print.receipt': 'receipt printed', 'action.pickup.failed': 'pickup check failed',
  'action.pickup.locked': 'pickup locked',
  reports: 'Reports', staff: 'Staff', 'period.day': 'Daily', 'period.month': 'Monthly', show_report: 'Show',
  count: 'Cases', agency_report: 'Monthly agency (代办) report', download_pdf: 'Download PDF (A4)',
  download_csv: 'Export CSV', report_total: 'Cases taken in', report_ready: 'Ready for pickup',
  report_average: 'Average handling time', report_longest: 'Longest handling time', hours: 'hours',
  display_name: 'Name', role: 'Role', status: 'Status', new_staff: 'New staff member', 'role.clerk': 'Clerk',
  'role.admin': 'Admin', initial_password: 'First password (10 characters or more)', create_staff: 'Add',
  enable: 'Enable', disable: 'Disable', reset_password: 'Set a new password',
  new_password: 'New password (10 characters or more)', password_set: 'Password set', disabled: 'disabled',
  active: 'active', staff_created: 'Staff member added',
  my_window: 'My window', signin: 'Sign in', current_ticket: 'Current ticket', 'op.call': 'Call next',
  'op.recall': 'Recall', 'op.no_show': 'No-show', 'op.start': 'Start', 'op.finish': 'Finish',
  'op.intake': 'Take in a case for it', transfer: 'Transfer:', 'op.transfer': 'Move to this category',
  serves: 'Serves: ', nobody: 'nobody signed in', no_windows: 'No windows yet; an admin sets them up',
  'ticket.called': 'called', 'ticket.serving': 'being served', 'done.call': 'Called', 'done.recall': 'Called again',
  'done.no-show': 'Marked no-show', 'done.start': 'Started', 'done.finish': 'Finished', 'done.transfer': 'Transferred',
  'done.signin': 'Signed in', queue_stats: 'Queue (the chosen day)', category: 'Category', tickets: 'Tickets',
  wait: 'Average wait (min)', service: 'Average service (min)', no_shows: 'No-shows', ratings: 'Ratings',
  issue_for: 'Take a number for a citizen:', issue_button: 'Issue and print', issued: 'Issued: ',
  scanned: 'Scanned: ',
};

export const texts = { zh, en };

export function currentLang() {
  return document.cookie.split('; ').includes('lang=en') ? 'en' : 'zh';
}

export function t(key) {
  return texts[currentLang()][key] ?? key;
}

export function applyTexts() {
  const lang = currentLang();
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll('[data-tp]')) e.placeholder = t(e.dataset.tp);
  document.getElementById('lang').textContent = t('lang_switch');
}

export function toggleLang() {
  // The server reads the same cookie, so its error messages follow.
  const next = currentLang() === 'en' ? 'zh' : 'en';
  document.cookie = `lang=${next}; path=/; SameSite=Strict; max-age=31536000`;
  applyTexts();
}
