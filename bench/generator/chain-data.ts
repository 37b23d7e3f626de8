/** The demo chain's fixed catalogue: stores, products, name tables and the sales calendar. */

export interface StoreSeed { code: string; name: string; city: string; region: string; address: string; openedOn: string }

export const STORES: StoreSeed[] = [
  { code: 'SH001', name: '上海南京西路店', city: '上海', region: '华东', address: '上海市静安区南京西路1266号', openedOn: '2012-05-18' },
  { code: 'SH002', name: '上海徐家汇店', city: '上海', region: '华东', address: '上海市徐汇区虹桥路1号', openedOn: '2014-09-01' },
  { code: 'SH003', name: '上海五角场店', city: '上海', region: '华东', address: '上海市杨浦区邯郸路600号', openedOn: '2016-11-11' },
  { code: 'SH004', name: '上海陆家嘴店', city: '上海', region: '华东', address: '上海市浦东新区世纪大道8号', openedOn: '2019-04-26' },
  { code: 'BJ001', name: '北京王府井店', city: '北京', region: '华北', address: '北京市东城区王府井大街255号', openedOn: '2011-08-08' },
  { code: 'BJ002', name: '北京三里屯店', city: '北京', region: '华北', address: '北京市朝阳区三里屯路19号', openedOn: '2015-06-18' },
  { code: 'BJ003', name: '北京中关村店', city: '北京', region: '华北', address: '北京市海淀区中关村大街15号', openedOn: '2018-03-15' },
  { code: 'TJ001', name: '天津滨江道店', city: '天津', region: '华北', address: '天津市和平区滨江道208号', openedOn: '2017-10-01' },
  { code: 'GZ001', name: '广州天河城店', city: '广州', region: '华南', address: '广州市天河区天河路208号', openedOn: '2010-12-12' },
  { code: 'GZ002', name: '广州北京路店', city: '广州', region: '华南', address: '广州市越秀区北京路168号', openedOn: '2013-07-20' },
  { code: 'SZ001', name: '深圳万象城店', city: '深圳', region: '华南', address: '深圳市罗湖区宝安南路1881号', openedOn: '2012-11-30' },
  { code: 'SZ002', name: '深圳海岸城店', city: '深圳', region: '华南', address: '深圳市南山区文心五路33号', openedOn: '2016-05-01' },
  { code: 'SZ003', name: '深圳福田COCO Park店', city: '深圳', region: '华南', address: '深圳市福田区福华三路268号', openedOn: '2023-09-09' },
  { code: 'HZ001', name: '杭州湖滨银泰店', city: '杭州', region: '华东', address: '杭州市上城区东坡路7号', openedOn: '2013-04-28' },
  { code: 'HZ002', name: '杭州西溪印象城店', city: '杭州', region: '华东', address: '杭州市余杭区五常大道1号', openedOn: '2020-08-18' },
  { code: 'NJ001', name: '南京新街口店', city: '南京', region: '华东', address: '南京市秦淮区中山南路1号', openedOn: '2014-01-18' },
  { code: 'SU001', name: '苏州观前街店', city: '苏州', region: '华东', address: '苏州市姑苏区观前街245号', openedOn: '2018-12-08' },
  { code: 'CD001', name: '成都春熙路店', city: '成都', region: '西南', address: '成都市锦江区春熙路西段8号', openedOn: '2012-09-29' },
  { code: 'CD002', name: '成都太古里店', city: '成都', region: '西南', address: '成都市锦江区中纱帽街8号', openedOn: '2017-04-20' },
  { code: 'CQ001', name: '重庆解放碑店', city: '重庆', region: '西南', address: '重庆市渝中区民权路28号', openedOn: '2015-10-10' },
  { code: 'WH001', name: '武汉江汉路店', city: '武汉', region: '华中', address: '武汉市江汉区江汉路118号', openedOn: '2013-11-11' },
  { code: 'WH002', name: '武汉光谷店', city: '武汉', region: '华中', address: '武汉市洪山区珞喻路766号', openedOn: '2021-06-18' },
  { code: 'CS001', name: '长沙五一广场店', city: '长沙', region: '华中', address: '长沙市天心区黄兴南路步行街', openedOn: '2019-01-25' },
  { code: 'XA001', name: '西安钟楼店', city: '西安', region: '西北', address: '西安市碑林区东大街1号', openedOn: '2016-08-16' },
];

export interface ProductSeed { sku: string; name: string; category: string; brand: string; priceFen: number; popularity: number }

/** Categories as the POS names them; `qtyBoost` is how much more often customers buy several. */
export const CATEGORIES = [
  { name: '护肤', qtyBoost: 1, share: 0.3 },
  { name: '彩妆', qtyBoost: 1, share: 0.18 },
  { name: '香水', qtyBoost: 0.5, share: 0.05 },
  { name: '个人护理', qtyBoost: 2, share: 0.17 },
  { name: '饮品', qtyBoost: 4, share: 0.15 },
  { name: '零食', qtyBoost: 3, share: 0.15 },
] as const;

const CATALOGUE: Record<string, { brands: string[]; items: [string, number, number][] }> = {
  // item: name, low price (yuan), high price (yuan)
  护肤: {
    brands: ['珀莱雅', '自然堂', '百雀羚', '薇诺娜', '欧莱雅', '兰蔻', '雅诗兰黛', '资生堂', '玉兰油', '理肤泉', '佰草集', '韩束'],
    items: [['保湿精华液 30ml', 129, 1080], ['补水面膜 5片装', 49, 199], ['洁面乳 120g', 39, 320], ['爽肤水 200ml', 89, 460], ['面霜 50g', 119, 1280], ['眼霜 15ml', 159, 760], ['防晒霜 SPF50', 79, 380], ['卸妆油 150ml', 69, 320]],
  },
  彩妆: {
    brands: ['完美日记', '花西子', '美宝莲', '卡姿兰', '毛戈平', '橘朵', 'MAC', '3CE'],
    items: [['哑光口红', 59, 260], ['气垫粉底 SPF50', 99, 420], ['眼影盘', 79, 520], ['睫毛膏', 59, 220], ['眉笔', 29, 160], ['散粉', 69, 380], ['腮红', 49, 260]],
  },
  香水: {
    brands: ['香奈儿', '迪奥', '祖玛珑', '观夏', '阿蒂仙'],
    items: [['淡香水 50ml', 450, 1350], ['香水小样礼盒', 199, 680], ['香氛蜡烛', 199, 560]],
  },
  个人护理: {
    brands: ['海飞丝', '潘婷', '舒肤佳', '多芬', '云南白药', '高露洁', '佳洁士', '滋源'],
    items: [['洗发水 400ml', 35, 89], ['护发素 400ml', 35, 89], ['沐浴露 720ml', 29, 79], ['牙膏 120g', 12, 45], ['电动牙刷替换头', 39, 129], ['身体乳 250ml', 39, 129], ['湿巾 80抽', 9, 25]],
  },
  饮品: {
    brands: ['农夫山泉', '元气森林', '东方树叶', '可口可乐', '维他奶', '三得利', '怡宝'],
    items: [['矿泉水 550ml', 2, 3], ['气泡水 480ml', 5, 6], ['无糖茶 500ml', 5, 6], ['乌龙茶 500ml', 5, 6], ['豆奶 250ml', 4, 5], ['苏打水 330ml', 4, 6]],
  },
  零食: {
    brands: ['三只松鼠', '良品铺子', '百草味', '乐事', '旺旺', '奥利奥', '卫龙'],
    items: [['每日坚果 30包', 99, 169], ['猪肉脯 200g', 29, 49], ['薯片 135g', 8, 13], ['雪饼 520g', 15, 25], ['夹心饼干 388g', 12, 20], ['辣条 260g', 9, 15], ['芒果干 120g', 15, 25]],
  },
};

const CATEGORY_CODE: Record<string, string> = { 护肤: 'SK', 彩妆: 'MU', 香水: 'FR', 个人护理: 'PC', 饮品: 'DR', 零食: 'SN' };

/** A few hundred products, the same every time: each item of each category under several brands. */
export function buildProducts(rand: () => number): ProductSeed[] {
  const out: ProductSeed[] = [];
  for (const cat of CATEGORIES) {
    const { brands, items } = CATALOGUE[cat.name]!;
    let n = 0;
    for (const [item, lo, hi] of items) {
      for (const brand of brands) {
        if (rand() < 0.45) continue;
        n += 1;
        const yuan = lo + (hi - lo) * rand() ** 1.5;
        // Shelf prices: cheap goods to the jiao (5.5 元), the rest ending in 9 元 (129 元).
        const priceFen = yuan < 20 ? Math.round(yuan * 10) * 10 : Math.round(yuan / 10) * 1000 - 100;
        out.push({
          sku: `${CATEGORY_CODE[cat.name]}${String(n).padStart(4, '0')}`,
          name: `${brand} ${item}`,
          category: cat.name,
          brand,
          priceFen,
          popularity: 0.2 + rand() ** 3 * 5,
        });
      }
    }
  }
  return out;
}

/** The commonest Chinese surnames with their share of the population (per mille, 2020 census order). */
export const SURNAMES: [string, number][] = [
  ['王', 74], ['李', 72], ['张', 69], ['刘', 54], ['陈', 45], ['杨', 31], ['黄', 23], ['赵', 20], ['吴', 19], ['周', 19],
  ['徐', 15], ['孙', 15], ['马', 13], ['朱', 13], ['胡', 12], ['郭', 12], ['何', 12], ['林', 11], ['高', 11], ['罗', 11],
  ['郑', 10], ['梁', 9], ['谢', 8], ['宋', 8], ['唐', 8], ['许', 7], ['韩', 7], ['邓', 7], ['冯', 7], ['曹', 7],
  ['彭', 6], ['曾', 6], ['肖', 6], ['田', 6], ['董', 5], ['潘', 5], ['袁', 5], ['蔡', 5], ['蒋', 5], ['余', 5],
  ['于', 5], ['杜', 5], ['叶', 5], ['程', 4], ['魏', 4], ['苏', 4], ['吕', 4], ['丁', 4], ['任', 4], ['卢', 4],
  ['姚', 4], ['沈', 4], ['钟', 4], ['姜', 4], ['崔', 4], ['谭', 4], ['陆', 3], ['范', 3], ['汪', 3], ['廖', 3],
  ['石', 3], ['金', 3], ['韦', 3], ['贾', 3], ['夏', 3], ['付', 3], ['方', 3], ['邹', 3], ['熊', 3], ['白', 3],
  ['孟', 3], ['秦', 3], ['邱', 3], ['侯', 2], ['江', 2], ['尹', 2], ['薛', 2], ['闫', 2], ['段', 2], ['雷', 2],
  ['龙', 2], ['黎', 2], ['史', 2], ['陶', 2], ['贺', 2], ['毛', 2], ['郝', 2], ['顾', 2], ['龚', 2], ['邵', 2],
  ['万', 2], ['覃', 2], ['武', 2], ['钱', 2], ['戴', 2], ['严', 2], ['莫', 1], ['孔', 1], ['向', 1], ['常', 1],
  ['欧阳', 1], ['上官', 1], ['司马', 1],
];

export const GIVEN_FEMALE = [...'婷静丽敏燕艳娟霞芳丹玲萍红梅琳雪颖洁慧倩欣怡佳悦梦晨瑶涵馨璐思雨诗琪雅薇月莹露蕾晶蓉岚'];
export const GIVEN_MALE = [...'伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯俊博文昊天然睿轩泽宁健峰志东亮晨阳'];

/** Real mobile number segments of the three carriers. */
export const MOBILE_PREFIXES = [
  '134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '172', '178', '182', '183', '184', '187', '188', '195', '198',
  '130', '131', '132', '145', '155', '156', '166', '175', '176', '185', '186', '196',
  '133', '149', '153', '173', '177', '180', '181', '189', '190', '191', '193', '199',
];

export const OCCUPATIONS: [string, number][] = [
  ['企业职员', 30], ['学生', 12], ['自由职业', 9], ['教师', 6], ['医护人员', 5], ['公务员', 4], ['个体经营', 8], ['工程师', 7],
  ['销售', 6], ['设计师', 3], ['全职妈妈', 5], ['退休', 3], ['其他', 2],
];
export const INCOME_BANDS: [string, number][] = [['<5k', 18], ['5k-10k', 34], ['10k-20k', 29], ['20k-50k', 15], ['50k+', 4]];
export const SOURCES: [string, number][] = [['store', 52], ['mini_program', 20], ['app', 10], ['online', 8], ['referral', 6], ['campaign', 4]];
export const PREFERRED_CHANNELS: [string, number][] = [['wechat', 45], ['sms', 35], ['phone', 8], ['email', 12]];
export const TAGS = ['敏感肌', '学生党', '宝妈', '男士护理', '囤货达人', '彩妆控', '香水爱好者', '价格敏感', '新品尝鲜', '企业团购'];
export const SKIN_TYPES = ['干性', '油性', '混合性', '中性', '敏感性'];

/** Lunar New Year's day, for the calendar's quiet days and the shopping before them. */
const NEW_YEAR: Record<number, string> = {
  2022: '2022-02-01', 2023: '2023-01-22', 2024: '2024-02-10', 2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26', 2029: '2029-02-13', 2030: '2030-02-03',
};

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * How busy each day is relative to an ordinary weekday: weekends, Double 11, 618, 520, Women's Day,
 * Valentine's, the shopping weeks before Chinese New Year and the quiet days of the holiday itself,
 * and a gentle growth of the chain over the period. `promo` marks days when online channels surge.
 */
export function dayWeights(firstDay: string, days: number): { weight: number; promo: boolean }[] {
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  const out: { weight: number; promo: boolean }[] = [];
  for (let i = 0; i < days; i++) {
    const d = new Date(start + i * DAY_MS);
    const m = d.getUTCMonth() + 1;
    const dom = d.getUTCDate();
    const dow = d.getUTCDay();
    let w = dow === 6 ? 1.4 : dow === 0 ? 1.3 : dow === 5 ? 1.1 : 1;
    let promo = false;
    if (m === 11 && dom === 11) { w *= 5; promo = true; }
    else if (m === 11 && dom >= 1 && dom <= 12) { w *= 1.7; promo = true; }
    else if (m === 6 && dom === 18) { w *= 3.5; promo = true; }
    else if (m === 6 && dom >= 1 && dom <= 20) { w *= 1.4; promo = true; }
    else if (m === 5 && dom === 20) w *= 1.8;
    else if (m === 3 && dom === 8) w *= 2;
    else if (m === 2 && dom === 14) w *= 1.8;
    else if (m === 12 && dom >= 20 && dom <= 25) w *= 1.3;
    for (const y of [d.getUTCFullYear(), d.getUTCFullYear() + 1]) {
      const nyDay = NEW_YEAR[y];
      if (!nyDay) continue;
      const delta = Math.round((Date.parse(`${nyDay}T00:00:00Z`) - d.getTime()) / DAY_MS);
      if (delta >= 1 && delta <= 21) w *= 1.5; // 年货: shopping before the holiday
      else if (delta <= 0 && delta >= -4) w *= 0.45; // the holiday itself: quiet
    }
    w *= 1 + 0.2 * (i / days);
    out.push({ weight: w, promo });
  }
  return out;
}

/** Share of a day's purchases by hour (local time): lunch and evening peaks. */
export const HOUR_WEIGHTS = [0.2, 0.1, 0.05, 0.02, 0.02, 0.05, 0.2, 0.5, 1, 2, 4, 5, 6, 5, 4, 4, 5, 6, 7, 8, 7, 5, 2, 0.8];

export { isoDay, DAY_MS };
