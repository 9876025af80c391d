{#- A vacancy split by VERA leegstand reason (detailstatus of status LEE): one row per vacancy and
    reason, with the days and huurderving of the periods with that reason. -#}
with

statussen as (
    select * from {{ ref('int_leegstand_statussen') }}
),

leegstand as (
    select leegstand_id, nettohuur_maand_euro, wijk, eenheid_detailsoort
    from {{ ref('fct_leegstand') }}
),

per_reden as (
    select
        leegstand_id,
        eenheid_id,
        leegstand_reden,
        min(begindatum) as eerste_begindatum,
        count(*) as statusperioden_aantal,
        cast(sum(dagen) as bigint) as dagen,
        max(case when is_afgesloten then 0 else 1 end) = 0 as is_afgesloten
    from statussen
    group by leegstand_id, eenheid_id, leegstand_reden
)

select
    {{ dbt.concat(["r.leegstand_id", "'|'", "coalesce(r.leegstand_reden, '?')"]) }} as leegstand_reden_id,
    r.leegstand_id,
    r.eenheid_id,
    r.leegstand_reden,
    {{ code_naam('EENHEIDDETAILSTATUS', 'r.leegstand_reden') }} as leegstand_reden_naam,
    r.eerste_begindatum,
    r.statusperioden_aantal,
    r.dagen,
    r.is_afgesloten,
    cast(
        round(cast(r.dagen * l.nettohuur_maand_euro * 12 as {{ dbt.type_numeric() }}) / 365, 2)
        as decimal(14, 2)
    ) as huurderving_euro,
    l.wijk,
    l.eenheid_detailsoort
from per_reden as r
left join leegstand as l
    on l.leegstand_id = r.leegstand_id
