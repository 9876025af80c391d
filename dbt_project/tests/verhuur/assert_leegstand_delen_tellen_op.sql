{#- Business rule: the days of a vacancy split by leegstand reason add up to the vacancy's days, and no
    vacancy is negative. Returns the vacancies where that fails. -#}
with

delen as (
    select leegstand_id, sum(dagen) as dagen
    from {{ ref('fct_leegstand_reden') }}
    group by leegstand_id
)

select l.leegstand_id, l.leegstand_dagen, d.dagen
from {{ ref('fct_leegstand') }} as l
left join delen as d
    on d.leegstand_id = l.leegstand_id
where l.leegstand_dagen < 0
    or d.dagen is null
    or d.dagen <> l.leegstand_dagen
