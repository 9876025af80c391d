{#- Network partners per zaak: the first partner (earliest betrokken_vanaf; ties: alphabetical code),
    the number of partners and the partner codes in order of joining. -#}
with

betrokkenen as (
    select * from {{ ref('stg_raw__zaakbetrokkenen') }}
    where not is_verwijderd
),

gerangschikt as (
    select
        *,
        row_number() over (partition by zaak_id order by betrokken_vanaf, partner) as volgorde
    from betrokkenen
),

samengevat as (
    select
        zaak_id,
        count(*) as partners_aantal,
        {{ dbt.listagg('partner', "','", 'order by betrokken_vanaf, partner') }} as partners
    from betrokkenen
    group by zaak_id
)

select
    s.zaak_id,
    s.partners_aantal,
    s.partners,
    g.partner as eerste_partner,
    g.betrokken_vanaf as eerste_partner_vanaf
from samengevat as s
inner join gerangschikt as g
    on g.zaak_id = s.zaak_id and g.volgorde = 1
