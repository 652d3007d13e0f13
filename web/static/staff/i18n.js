// User-facing text: Simplified Chinese first, English second.
export const texts = {
  zh: {
    title: '便民服务站 · 工作台', logout: '退出', login: '工作人员登录', username: '用户名', password: '密码',
    login_button: '登录', cases: '案件', new_case: '新建收件', case_code: '案件编号', item: '办理事项',
    applicant: '申请人', received: '收件时间', state: '状态', receipt: '回执', no_cases: '暂无案件',
    applicant_name: '申请人姓名', id_number: '居民身份证号码', phone: '联系电话',
    documents: '材料文件（PDF、JPEG、PNG）', save: '保存并打印回执', cancel: '取消', case: '案件',
    back: '返回列表', reprint: '补打回执', documents_list: '材料', receipt_preview: '回执预览',
    department: '承办部门', promised_by: '承诺办结', saved: '已收件：', lang_switch: 'English',
    'state.received': '已收件', 'receipt.printed': '已打印', 'receipt.failed': '打印失败', 'receipt.pending': '待打印',
    network: '无法连接服务器，请检查网络后重试',
  },
  en: {
    title: 'Service office · Console', logout: 'Log out', login: 'Staff login', username: 'User name',
    password: 'Password', login_button: 'Log in', cases: 'Cases', new_case: 'New intake', case_code: 'Case code',
    item: 'Service item', applicant: 'Applicant', received: 'Received', state: 'State', receipt: 'Receipt',
    no_cases: 'No cases yet', applicant_name: 'Applicant name', id_number: 'Resident ID number', phone: 'Phone',
    documents: 'Documents (PDF, JPEG, PNG)', save: 'Save and print receipt', cancel: 'Cancel', case: 'Case',
    back: 'Back to list', reprint: 'Reprint receipt', documents_list: 'Documents', receipt_preview: 'Receipt preview',
    department: 'Department', promised_by: 'Promised by', saved: 'Received: ', lang_switch: '中文',
    'state.received': 'received', 'receipt.printed': 'printed', 'receipt.failed': 'failed', 'receipt.pending': 'pending',
    network: 'Cannot reach the server; check the network and try again',
  },
};

export function currentLang() {
  return document.cookie.split('; ').includes('lang=en') ? 'en' : 'zh';
}

export function t(key) {
  return texts[currentLang()][key] ?? key;
}

export function applyTexts() {
  const lang = currentLang();
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  document.getElementById('lang').textContent = t('lang_switch');
}

export function toggleLang() {
  // The server reads the same cookie, so its error messages follow.
  const next = currentLang() === 'en' ? 'zh' : 'en';
  document.cookie = `lang=${next}; path=/; SameSite=Strict; max-age=31536000`;
  applyTexts();
}
