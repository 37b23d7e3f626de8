import { useMemo } from 'react';
import { Layout as AntLayout, Menu, Space, Typography, Button, Dropdown } from 'antd';
import { UserOutlined } from '@ant-design/icons';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { NAV } from '../nav.tsx';
import { useT } from '../i18n.tsx';
import { useSession } from './session.tsx';
import { LangSwitch } from './LangSwitch.tsx';

export function Layout() {
  const { t } = useT();
  const { me, can, logout } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const visible = NAV.filter((p) => !p.hidden && (!p.permission || can(p.permission)));
  const items = useMemo(() => {
    const out: any[] = [];
    const groups = new Map<string, any>();
    for (const p of visible) {
      const item = { key: p.path, icon: p.icon, label: <Link to={p.path} data-testid={`nav-${p.path.replace(/^\//, '').replaceAll('/', '-') || 'home'}`}>{t(p.label)}</Link> };
      if (!p.group) out.push(item);
      else {
        let g = groups.get(p.group);
        if (!g) {
          g = { key: `group:${p.group}`, label: <span data-testid={`nav-group-${p.group}`}>{t(p.group)}</span>, icon: p.groupIcon ?? p.icon, children: [] };
          groups.set(p.group, g);
          out.push(g);
        }
        g.children.push({ ...item, icon: undefined });
      }
    }
    return out;
  }, [visible, t]);
  const selected = visible.map((p) => p.path).filter((p) => p === '/' ? location.pathname === '/' : location.pathname.startsWith(p)).sort((a, b) => b.length - a.length)[0] ?? '';
  const openGroup = visible.find((p) => p.path === selected)?.group;
  return (
    <AntLayout style={{ minHeight: '100vh' }}>
      <AntLayout.Sider breakpoint="lg" collapsedWidth={0} width={220} theme="dark">
        <div style={{ color: '#fff', fontSize: 18, fontWeight: 600, padding: '16px 24px' }}>{t('app.short')}</div>
        <Menu theme="dark" mode="inline" selectedKeys={[selected]} defaultOpenKeys={openGroup ? [`group:${openGroup}`] : []} items={items} data-testid="nav" />
      </AntLayout.Sider>
      <AntLayout>
        <AntLayout.Header style={{ background: '#fff', padding: '0 24px', display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Text strong>{t('app.name')}</Typography.Text>
          <Space>
            <LangSwitch />
            <Dropdown
              menu={{
                items: [
                  { key: 'password', label: <span data-testid="menu-change-password">{t('shell.changePassword')}</span>, onClick: () => navigate('/account/password') },
                  { key: 'logout', label: <span data-testid="menu-logout">{t('shell.logout')}</span>, onClick: logout },
                ],
              }}
            >
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu">{me?.staff?.displayName}</Button>
            </Dropdown>
          </Space>
        </AntLayout.Header>
        <AntLayout.Content style={{ margin: 24 }}>
          <Outlet />
        </AntLayout.Content>
      </AntLayout>
    </AntLayout>
  );
}
