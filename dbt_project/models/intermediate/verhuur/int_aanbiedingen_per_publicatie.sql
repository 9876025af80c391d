{#- Offers summarised per publicatie: counts, refusals (status GEW), the accepted offer (status TOE)
    and the most frequent refusal reason (ties: the alphabetically first code). -#}
with

aanbiedingen as (
    select * from {{ ref('stg_raw__aanbiedingen') }}
    where not is_verwijderd
),

tellingen as (
    select
        publicatie_id,
        count(*) as aanbiedingen_aantal,
        count(case when aanbieding_status = 'GEW' then 1 end) as weigeringen_aantal,
        count(case when aanbieding_status = 'ING' then 1 end) as ingetrokken_aantal,
        count(case when aanbieding_status = 'TOE' then 1 end) as toewijzingen_aantal,
        min(case when aanbieding_status = 'TOE' then coalesce(antwoorddatum, aanbiedingsdatum) end)
            as toewijzingsdatum,
        min(aanbiedingsdatum) as eerste_aanbiedingsdatum
    from aanbiedingen
    group by publicatie_id
),

redenen as (
    select
        publicatie_id,
        aanbieding_detailstatus,
        count(*) as aantal
    from aanbiedingen
    where aanbieding_status = 'GEW' and aanbieding_detailstatus is not null
    group by publicatie_id, aanbieding_detailstatus
),

gerangschikt as (
    select
        *,
        row_number() over (partition by publicatie_id order by aantal desc, aanbieding_detailstatus asc) as rang
    from redenen
)

select
    t.*,
    g.aanbieding_detailstatus as dominante_weigerreden
from tellingen as t
left join gerangschikt as g
    on g.publicatie_id = t.publicatie_id and g.rang = 1
