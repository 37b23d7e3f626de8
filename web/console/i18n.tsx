import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';
type Dict = Record<string, { zh: string; en: string }>;

const dictionaries: Dict[] = [];

/** Each page folder registers its own strings; keys are namespaced like 'home.title'. */
export function defineMessages<D extends Dict>(d: D): D {
  dictionaries.push(d);
  return d;
}

export const common = defineMessages({
  'app.name': { zh: 'Patron 客户关系管理', en: 'Patron CRM' },
  'app.short': { zh: 'Patron', en: 'Patron' },
  'common.save': { zh: '保存', en: 'Save' },
  'common.cancel': { zh: '取消', en: 'Cancel' },
  'common.create': { zh: '新建', en: 'Create' },
  'common.edit': { zh: '编辑', en: 'Edit' },
  'common.delete': { zh: '删除', en: 'Delete' },
  'common.search': { zh: '搜索', en: 'Search' },
  'common.actions': { zh: '操作', en: 'Actions' },
  'common.loading': { zh: '加载中…', en: 'Loading…' },
  'common.yes': { zh: '是', en: 'Yes' },
  'common.no': { zh: '否', en: 'No' },
  'common.saved': { zh: '已保存', en: 'Saved' },
  'common.refresh': { zh: '刷新', en: 'Refresh' },
  'common.export': { zh: '导出', en: 'Export' },
  'col.name': { zh: '姓名', en: 'Name' },
  'col.mobile': { zh: '手机号', en: 'Mobile' },
  'col.city': { zh: '城市', en: 'City' },
  'col.gender': { zh: '性别', en: 'Gender' },
  'shell.logout': { zh: '退出登录', en: 'Log out' },
  'shell.language': { zh: 'English', en: '简体中文' },
  'shell.changePassword': { zh: '修改密码', en: 'Change password' },
  'shell.forbidden': { zh: '您没有查看此页面的权限。', en: 'You do not have permission to see this page.' },
  'shell.notFound': { zh: '页面不存在。', en: 'This page does not exist.' },
  'login.title': { zh: '登录', en: 'Log in' },
  'login.username': { zh: '用户名', en: 'Username' },
  'login.password': { zh: '密码', en: 'Password' },
  'login.submit': { zh: '登录', en: 'Log in' },
  'common.close': { zh: '关闭', en: 'Close' },
  'common.confirm': { zh: '确定', en: 'OK' },
  'common.all': { zh: '全部', en: 'All' },
  'common.active': { zh: '启用', en: 'Active' },
  'common.inactive': { zh: '停用', en: 'Inactive' },
  'common.filter': { zh: '筛选', en: 'Filter' },
  'common.reset': { zh: '重置', en: 'Reset' },
  'common.loadMore': { zh: '加载更多', en: 'Load more' },
  'common.noMore': { zh: '没有更多了', en: 'No more entries' },
  'common.copy': { zh: '复制', en: 'Copy' },
  'common.copied': { zh: '已复制', en: 'Copied' },
  'common.never': { zh: '从未', en: 'Never' },
  'common.allStores': { zh: '全部门店', en: 'All stores' },
  'common.required': { zh: '必填', en: 'Required' },
  'common.loadFailed': { zh: '加载失败：{message}', en: 'Could not load: {message}' },
  'nav.home': { zh: '首页', en: 'Home' },
  'nav.admin': { zh: '系统管理', en: 'Administration' },
  'role.admin': { zh: '系统管理员', en: 'Administrator' },
  'role.manager': { zh: '运营经理', en: 'Manager' },
  'role.marketer': { zh: '市场专员', en: 'Marketer' },
  'role.agent': { zh: '客服专员', en: 'Service agent' },
  'role.store_staff': { zh: '门店员工', en: 'Store staff' },
  'role.analyst': { zh: '数据分析师', en: 'Analyst' },
});

export function translate(lang: Lang, key: string, vars?: Record<string, string | number>): string {
  let s = key;
  for (const d of dictionaries) {
    const m = d[key];
    if (m) {
      s = m[lang];
      break;
    }
  }
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: 'zh', setLang: () => undefined });

export function useT() {
  const { lang } = useContext(LangContext);
  return { lang, t: (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars) };
}

/** Chinese unless the browser prefers English; a choice once made is remembered. */
export function initialLang(): Lang {
  const saved = localStorage.getItem('patron.lang');
  if (saved === 'zh' || saved === 'en') return saved;
  return (navigator.language || 'zh').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
