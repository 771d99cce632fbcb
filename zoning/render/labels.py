"""Bilingual labels for verdicts and statuses."""
VERDICT = {
    "prohibited": "禁止 PROHIBITED（不予准入）",
    "conditional": "有条件 CONDITIONAL（有条件准入）",
    "permitted": "准入 PERMITTED（无需专项准入）",
    None: "—",
}
STATUS = {
    "hit": "命中 hit", "clear": "未涉及 clear", "not_checked": "未覆盖 NOT CHECKED",
    "failed": "加载失败 FAILED", "not_in_force": "未生效/已废止 not in force",
}
TYPE = {
    "overlap": "重叠 overlap", "boundary_contact": "边界接触 boundary contact",
    "adjacency": "邻近 adjacent", "nearest": "最近 nearest", "raster": "栅格约束 raster constraint",
    "raster_stats": "栅格统计 raster statistics",
}
CONFIDENCE = {
    "official": "官方文本 official", "news": "新闻转述 news", "secondary": "二手来源 secondary",
    "draft": "草案 draft (final text unconfirmed)", "unverified": "未核实 unverified",
}
