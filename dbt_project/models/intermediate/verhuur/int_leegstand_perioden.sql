{#- One row per vacancy (consecutive LEE periods merged). Open vacancies are censored at the extract date. -#}
with

statussen as (
    select * from {{ ref('int_leegstand_statussen') }}
),

eerste as (
    select leegstand_id, leegstand_reden
    from statussen
    where begindatum = leegstand_begindatum
),

perioden as (
    select
        leegstand_id,
        eenheid_id,
        min(begindatum) as begindatum,
        case when count(*) = count(einddatum) then max(einddatum) end as einddatum,
        count(*) as statusperioden_aantal,
        count(distinct leegstand_reden) as redenen_aantal
    from statussen
    group by leegstand_id, eenheid_id
)

select
    p.leegstand_id,
    p.eenheid_id,
    p.begindatum,
    p.einddatum,
    (p.einddatum is not null) as is_afgesloten,
    {{ dagen_tussen('p.begindatum', 'coalesce(p.einddatum, ' ~ extractdatum() ~ ')') }} as leegstand_dagen,
    e.leegstand_reden,
    p.statusperioden_aantal,
    p.redenen_aantal,
    {{ extractdatum() }} as extractdatum
from perioden as p
left join eerste as e
    on e.leegstand_id = p.leegstand_id
